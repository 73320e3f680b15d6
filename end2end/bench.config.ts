import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// The browser benchmark (not part of the test command): `npx playwright test --config bench.config.ts`.
export default defineConfig({
  ...base,
  testDir: "./bench",
  testMatch: /.*\.bench\.ts/,
  timeout: 300_000,
});
