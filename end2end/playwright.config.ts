import { defineConfig } from "@playwright/test";

// The real server (release build made by `cargo leptos build --release`) on a free-for-tests
// loopback port, over a throwaway data directory, driven in Debian's chromium.
const PUERTO = Number(process.env.E2E_PUERTO ?? 3100);

export default defineConfig({
  testDir: "./tests",
  workers: 1,
  fullyParallel: false,
  reporter: "list",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL: `http://localhost:${PUERTO}`,
    locale: "es-MX",
    timezoneId: "America/Mexico_City",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: `bash servidor.sh ${PUERTO}`,
    url: `http://127.0.0.1:${PUERTO}/`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
  },
});
