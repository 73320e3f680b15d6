import { defineConfig } from "@playwright/test";

// The real server (release build made by `cargo leptos build --release`) on a free-for-tests
// loopback port, over a throwaway data directory, driven in Debian's chromium.
const PUERTO = Number(process.env.E2E_PUERTO ?? 3100);
const SMTP = Number(process.env.E2E_SMTP ?? 3125);

export default defineConfig({
  testDir: "./tests",
  workers: 1,
  fullyParallel: false,
  // The list in the terminal; the HTML report (never opened, so a failure cannot block) keeps the
  // screenshots aspecto.spec.ts attaches.
  reporter: [["list"], ["html", { open: "never" }]],
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
  // The suite's SMTP server, then three servers: "demo" (generated CA + openssl OCSP responder,
  // email to that SMTP server), "sat" (SAT's test CAs, local mailbox folder) and "defecto" (the
  // README's out-of-the-box demo: nothing configured).
  webServer: [
    {
      command: `node smtp.mjs ${SMTP}`,
      port: SMTP,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      command: `bash servidor.sh ${PUERTO} demo`,
      url: `http://127.0.0.1:${PUERTO}/`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      command: `bash servidor.sh ${PUERTO + 1} sat`,
      url: `http://127.0.0.1:${PUERTO + 1}/`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      command: `bash servidor.sh ${PUERTO + 2} defecto`,
      url: `http://127.0.0.1:${PUERTO + 2}/`,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "pipe",
      stderr: "pipe",
    },
  ],
});
