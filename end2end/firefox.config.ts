import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// Firefox ESR over WebDriver (firefox/): Playwright's runner only hosts the tests and starts the
// same servers as the Chromium suite (the SMTP server and the demo profile of servidor.sh); the
// specs drive Debian's firefox-esr through geckodriver with selenium-webdriver, so no Playwright
// browser is launched.
const servidores = [base.webServer].flat().filter((s) => s && /smtp\.mjs|servidor\.sh \d+ demo$/.test(s.command));

export default defineConfig({
  ...base,
  testDir: "./firefox",
  // Beside the Chromium run's results, which this run must not wipe.
  outputDir: "test-results/firefox",
  webServer: servidores,
});
