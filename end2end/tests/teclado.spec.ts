import { expect, test, type FileChooser, type Locator, type Page } from "@playwright/test";
import { URL_DEMO, altaCuenta, credencialValida, efirmaDemo, esperarCorreo, sql } from "./comun";
import { comprobarAcuse } from "./acuse";

// The whole Generación (guide §2) with the keyboard only, in Debian's chromium: Tab and
// Shift+Tab move the focus, Enter and Space act, letters are typed; no click anywhere. After
// every key the focused element must show its focus (an outline of at least 2 px, on the
// element or, for the transparent file inputs, on their Examinar button) and be on screen.
// The one thing a test cannot drive is the operating system's file picker: Enter on the focused
// file input opens it (Playwright receives it as a `filechooser` event) and the test hands the
// picker the file, as the person would choose it there.

// An employer of this file's own, without a credential (same RFC as the demo e.firma).
const CUENTA = { nrp: "L5412345107", correo: "teclado@kemper.example", contrasena: "Kemper-Teclado-2026" };

test.beforeAll(() => altaCuenta("demo", CUENTA));
// Without an active credential, so that the tab starts at the Terms (also when repeated).
test.beforeEach(() => sql("demo", `UPDATE credenciales SET estado = 'cancelada', terminada = 0 WHERE estado = 'activa'
  AND cuenta_id = (SELECT id FROM cuentas WHERE nrp = '${CUENTA.nrp}')`));

interface Foco { descripcion: string; visible: boolean; enPantalla: boolean }

/// What has the focus now, and whether a sighted keyboard user can see where it is.
async function foco(page: Page): Promise<Foco> {
  return page.evaluate(() => {
    const activo = document.activeElement as HTMLElement | null;
    if (!activo || activo === document.body) return { descripcion: "body", visible: true, enPantalla: true };
    // The native file input is transparent over its Examinar button, which shows its focus.
    const muestra = activo.matches("input[type=file]") ? (activo.nextElementSibling as HTMLElement) : activo;
    const estilo = getComputedStyle(muestra);
    const r = muestra.getBoundingClientRect();
    const descripcion = `${activo.tagName.toLowerCase()}${activo.id ? `#${activo.id}` : ""} «${(activo.textContent ?? "").trim().slice(0, 40)}»`;
    return {
      descripcion,
      visible: estilo.outlineStyle !== "none" && parseFloat(estilo.outlineWidth) >= 2,
      enPantalla: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
    };
  });
}

/// Presses Tab (or Shift+Tab) until `destino` has the focus, checking every stop on the way.
async function tabularHasta(page: Page, destino: Locator, atras = false, maximo = 40) {
  await destino.waitFor({ state: "attached" });
  for (let i = 0; i < maximo; i++) {
    await page.keyboard.press(atras ? "Shift+Tab" : "Tab");
    const f = await foco(page);
    expect(f.visible, `el foco en ${f.descripcion} no se ve`).toBe(true);
    expect(f.enPantalla, `el foco en ${f.descripcion} quedó fuera de la pantalla`).toBe(true);
    if (await destino.evaluate((e) => e === document.activeElement, null, { timeout: 5_000 })) return;
  }
  throw new Error(`el foco no llegó a ${destino} en ${maximo} pulsaciones de ${atras ? "Shift+Tab" : "Tab"}`);
}

/// Tab to a file input, Enter opens the picker, the picker gets the file. The pickers are
/// collected by a listener registered before the first page loads: Playwright starts intercepting
/// them when the first listener appears, which a listener added at the key press could miss.
async function elegirArchivo(page: Page, selectores: FileChooser[], campo: Locator, ruta: string) {
  await tabularHasta(page, campo);
  const antes = selectores.length;
  await page.keyboard.press("Enter");
  await expect.poll(() => selectores.length, { message: "Enter no abrió el selector de archivos" }).toBe(antes + 1);
  const selector = selectores[antes];
  expect(await selector.element().evaluate((e) => e === document.activeElement)).toBe(true);
  await selector.setFiles(ruta);
}

test("generación completa sólo con el teclado", async ({ page }) => {
  const demo = efirmaDemo();
  const selectores: FileChooser[] = [];
  page.on("filechooser", (s) => selectores.push(s));
  await page.goto(`${URL_DEMO}/ingresar`);
  await expect(page.locator("body[data-hidratado]")).toBeAttached();

  // Sign in: the first Tab reaches the skip link, visible while focused.
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Ir al contenido" })).toBeFocused();
  expect((await foco(page)).enPantalla).toBe(true);
  await tabularHasta(page, page.getByLabel("Número de Registro Patronal (NRP)"));
  await page.keyboard.type(CUENTA.nrp);
  await tabularHasta(page, page.getByLabel("Correo electrónico"));
  await page.keyboard.type(CUENTA.correo);
  await tabularHasta(page, page.getByLabel("Contraseña", { exact: true }));
  await page.keyboard.type(CUENTA.contrasena);
  await tabularHasta(page, page.getByRole("button", { name: "Entrar" }));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/portal\/escritorio$/);
  await expect(page.locator("body[data-hidratado]")).toBeAttached();

  // Escritorio → Servicios de Intercomunicación, following the link with Enter.
  await tabularHasta(page, page.getByRole("main").getByRole("link", { name: "Servicios de Intercomunicación" }));
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 2, name: "Generación de contraseña" })).toBeVisible();

  // Image 5: the Terms are a focusable region the keyboard scrolls; the box; Continuar.
  const documento = page.getByRole("document", { name: "Términos y condiciones" });
  await tabularHasta(page, documento);
  await page.keyboard.press("End");
  await expect.poll(() => documento.evaluate((e) => e.scrollTop)).toBeGreaterThan(0);
  const casilla = page.getByLabel("Acepto términos y condiciones");
  await tabularHasta(page, casilla);
  await page.keyboard.press("Space");
  await expect(casilla).toBeChecked();
  await tabularHasta(page, page.getByRole("button", { name: "Continuar" }));
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "Validar con Firma electrónica avanzada (e.firma)" })).toBeVisible();

  // Image 6: both files through their pickers, the password; Shift+Tab goes back a field.
  const cer = page.getByLabel("Adjunta el archivo .CER: *");
  const key = page.getByLabel("Adjunta el archivo .KEY: *");
  await elegirArchivo(page, selectores, cer, demo.cer);
  await expect(page.locator("#archivo-cer-nombre")).toHaveText("fiel.cer");
  await elegirArchivo(page, selectores, key, demo.key);
  await expect(page.locator("#archivo-key-nombre")).toHaveText("fiel.key");
  const contrasena = page.getByLabel("Contraseña de la Firma electrónica avanzada: *");
  await tabularHasta(page, contrasena);
  await page.keyboard.type(demo.contrasena);
  await tabularHasta(page, key, true, 1);
  await tabularHasta(page, contrasena, false, 1);
  await tabularHasta(page, page.getByRole("button", { name: "Validar" }));
  await page.keyboard.press("Enter");

  // Image 7: the Solicitud, then Continuar signs it.
  await expect(page.getByRole("heading", { name: "Solicitud de trámite" })).toBeVisible();
  await tabularHasta(page, page.getByRole("button", { name: "Continuar" }));
  await page.keyboard.press("Enter");

  // Image 8: the answer; the acuse downloads with Enter on its link.
  await expect(page.getByRole("heading", { name: "Respuesta firmada electrónicamente" })).toBeVisible();
  const folio = (await page.locator("#folio-emitido").textContent())!.trim();
  const enlace = page.getByRole("link", { name: `acuse-${folio}.pdf` });
  await tabularHasta(page, enlace);
  const [descarga] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
  expect(descarga.suggestedFilename()).toBe(`acuse-${folio}.pdf`);
  await comprobarAcuse(await descarga.path(), { folio, base: URL_DEMO, cer: demo.cer, nrp: CUENTA.nrp });

  // The password arrived and works.
  const correo = await esperarCorreo(CUENTA.correo, `FOLIO: ${folio}`);
  const generada = /La contraseña generada es: (\S+)/.exec(correo.texto)?.[1] ?? "";
  expect(credencialValida("demo", CUENTA.nrp, generada)).toBe(true);
});
