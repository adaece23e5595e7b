export { startFakeDagger } from "./fake-dagger/server.ts";
export type {
  Chain,
  ChainLink,
  DaggerRequest,
  ExecResult,
  FakeDagger,
  FakeDaggerOptions,
  FakeRepo,
  PublishedImage,
} from "./fake-dagger/types.ts";
