// Debian's Firefox ESR driven over WebDriver: geckodriver (cargo install geckodriver) spoken to by
// selenium-webdriver. Both paths are given explicitly, so selenium-webdriver never runs its
// Selenium Manager (which would look for, or download, a driver and a browser of its own).
// Every session is a fresh, throwaway profile (geckodriver creates one per session), headless.
import { expect } from "@playwright/test";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { Builder, By, until, type WebDriver, type WebElement } from "selenium-webdriver";
import firefox from "selenium-webdriver/firefox";
import { NORMAS_WCAG } from "../tests/axe";

export const FIREFOX = process.env.FIREFOX ?? "/usr/bin/firefox-esr";

// Should anything still ask for Selenium Manager, it finds none and fails instead of downloading.
process.env.SE_MANAGER_PATH = "/nonexistent/selenium-manager";

/// geckodriver from $GECKODRIVER, else PATH, else cargo's bin folder (where scripts/herramientas.sh
/// installs it).
export function rutaGeckodriver(): string {
  const candidatos = [
    process.env.GECKODRIVER,
    ...(process.env.PATH ?? "").split(delimiter).filter(Boolean).map((d) => join(d, "geckodriver")),
    join(homedir(), ".cargo", "bin", "geckodriver"),
  ];
  const ruta = candidatos.find((c): c is string => !!c && existsSync(c));
  if (!ruta) throw new Error("falta geckodriver: bash scripts/herramientas.sh lo instala (cargo install geckodriver)");
  return ruta;
}

const ESPERA_MS = 15_000;

export interface Firefox {
  driver: WebDriver;
  /// Where the browser saves downloads (no dialog).
  descargas: string;
}

export async function abrirFirefox(): Promise<Firefox> {
  if (!existsSync(FIREFOX)) throw new Error(`falta Firefox ESR en ${FIREFOX}: bash scripts/herramientas.sh lo instala`);
  const descargas = mkdtempSync(join(tmpdir(), "firefox-descargas-"));
  const opciones = new firefox.Options()
    .setBinary(FIREFOX)
    .addArguments("-headless")
    .windowSize({ width: 1280, height: 1024 })
    .setPreference("intl.accept_languages", "es-MX, es")
    // Downloads go straight to a folder the test reads, PDFs included (not opened in pdf.js).
    .setPreference("browser.download.folderList", 2)
    .setPreference("browser.download.dir", descargas)
    .setPreference("browser.download.useDownloadDir", true)
    .setPreference("browser.download.always_ask_before_handling_new_types", false)
    .setPreference("browser.helperApps.neverAsk.saveToDisk", "application/pdf")
    .setPreference("pdfjs.disabled", true)
    // Nothing but the servers under test: no update, telemetry, safe-browsing or captive-portal
    // requests (the machine has no internet anyway).
    .setPreference("app.update.enabled", false)
    .setPreference("app.normandy.enabled", false)
    .setPreference("browser.safebrowsing.malware.enabled", false)
    .setPreference("browser.safebrowsing.phishing.enabled", false)
    .setPreference("datareporting.policy.dataSubmissionEnabled", false)
    .setPreference("toolkit.telemetry.enabled", false)
    .setPreference("network.captive-portal-service.enabled", false)
    .setPreference("network.connectivity-service.enabled", false)
    .setPreference("extensions.update.enabled", false);
  const servicio = new firefox.ServiceBuilder(rutaGeckodriver())
    // The suite's dates are read in Mexico City, as in the Playwright suite.
    .setEnvironment({ ...process.env, TZ: "America/Mexico_City", MOZ_HEADLESS: "1" });
  const driver = await new Builder().forBrowser("firefox").setFirefoxOptions(opciones).setFirefoxService(servicio).build();
  await driver.manage().setTimeouts({ implicit: 0, pageLoad: 30_000, script: 30_000 });
  // Debian's Firefox ESR, not some other browser that answered.
  const capacidades = await driver.getCapabilities();
  expect(capacidades.getBrowserName()).toBe("firefox");
  expect(capacidades.get("moz:headless")).toBe(true);
  return { driver, descargas };
}

/// Opens a page and waits until it is interactive (the app marks `body[data-hidratado]`).
export async function ir(driver: WebDriver, url: string) {
  await driver.get(url);
  await driver.wait(until.elementLocated(By.css("body[data-hidratado]")), ESPERA_MS, `${url} no se hidrató`);
}

/// The form control a `<label>` with exactly this text names (by its `for`).
export async function campo(driver: WebDriver, etiqueta: string): Promise<WebElement> {
  const label = await driver.wait(
    until.elementLocated(By.xpath(`//label[normalize-space(.)=${literal(etiqueta)}]`)), ESPERA_MS,
    `no aparece la etiqueta «${etiqueta}»`);
  const id = await label.getAttribute("for");
  expect(id, `la etiqueta «${etiqueta}» no nombra su campo`).toBeTruthy();
  return driver.findElement(By.id(id));
}

/// The enabled button whose text is exactly `texto`.
export async function boton(driver: WebDriver, texto: string): Promise<WebElement> {
  const b = await driver.wait(
    until.elementLocated(By.xpath(`//button[normalize-space(.)=${literal(texto)}]`)), ESPERA_MS,
    `no aparece el botón «${texto}»`);
  await driver.wait(until.elementIsEnabled(b), ESPERA_MS, `el botón «${texto}» sigue deshabilitado`);
  return b;
}

/// Waits for a heading with exactly this text.
export async function encabezado(driver: WebDriver, texto: string): Promise<WebElement> {
  const h = await driver.wait(
    until.elementLocated(By.xpath(`//*[self::h1 or self::h2 or self::h3][normalize-space(.)=${literal(texto)}]`)),
    ESPERA_MS, `no aparece el encabezado «${texto}»`);
  await driver.wait(until.elementIsVisible(h), ESPERA_MS);
  return h;
}

/// Waits for the page's `role="alert"` message and returns its text.
export async function alerta(driver: WebDriver): Promise<string> {
  const a = await driver.wait(until.elementLocated(By.css('[role="alert"]')), ESPERA_MS, "no apareció ningún mensaje de error");
  await driver.wait(until.elementIsVisible(a), ESPERA_MS);
  return (await a.getText()).trim();
}

/// Waits for the browser to finish saving a download named `nombre`; returns its path.
export async function esperarDescarga(descargas: string, nombre: string, limiteMs = ESPERA_MS): Promise<string> {
  const fin = Date.now() + limiteMs;
  while (Date.now() < fin) {
    const archivos = readdirSync(descargas);
    // Firefox writes `<nombre>.part` and renames it when complete.
    if (archivos.includes(nombre) && !archivos.some((a) => a.endsWith(".part"))) return join(descargas, nombre);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Firefox no descargó ${nombre} (hay: ${readdirSync(descargas).join(", ") || "nada"})`);
}

/// An XPath string literal for any text (quotes included).
function literal(texto: string): string {
  if (!texto.includes("'")) return `'${texto}'`;
  if (!texto.includes('"')) return `"${texto}"`;
  return `concat('${texto.split("'").join(`', "'", '`)}')`;
}

const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

interface ResultadoAxe { violaciones: { regla: string; elementos: string[] }[]; pases: number; error?: string }

/// axe-core in Firefox (injected over WebDriver, the same rules as in the Chromium suite): fails
/// with a readable list when the page as it is now has any WCAG A/AA violation.
export async function sinViolaciones(driver: WebDriver, estado: string) {
  const r = (await driver.executeAsyncScript(`
    const listo = arguments[arguments.length - 1];
    ${AXE}
    axe.run(document, { runOnly: { type: "tag", values: ${JSON.stringify(NORMAS_WCAG)} } }).then(
      (r) => listo({
        pases: r.passes.length,
        violaciones: r.violations.map((v) => ({
          regla: v.id,
          elementos: v.nodes.map((n) => n.target.join(" ") + " — " + (n.failureSummary || "").replace(/\\s+/g, " ")),
        })),
      }),
      (e) => listo({ pases: 0, violaciones: [], error: String(e) }));
  `)) as ResultadoAxe;
  expect(r.error, `axe no corrió en «${estado}»`).toBeUndefined();
  expect(r.violaciones, `violaciones de accesibilidad en Firefox en «${estado}»`).toEqual([]);
  expect(r.pases, `axe no revisó «${estado}»`).toBeGreaterThan(3);
}
