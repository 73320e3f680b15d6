import { expect, test } from "@playwright/test";
import { By, until } from "selenium-webdriver";
import { comprobarAcuse } from "../tests/acuse";
import {
  PATRON, TAB, URL_DEMO, credencialValida, efirmaDemo, esperarCorreo, sql,
} from "../tests/comun";
import {
  type Firefox, abrirFirefox, alerta, boton, campo, encabezado, esperarDescarga, ir, sinViolaciones,
} from "./navegador";

// Guide §2 "Generación de la contraseña" in Debian's Firefox ESR (headless, fresh profile, over
// WebDriver with geckodriver), against the same release servers the Playwright suite starts
// (end2end/servidor.sh, the demo profile): the .key is opened with Firefox's WebCrypto, the
// request is signed there, the password arrives through the suite's SMTP server and the acuse
// is downloaded by Firefox and checked like in Chromium. axe-core checks each step in Firefox too.

test.describe.configure({ mode: "serial" });

const CONTRASENA_INCORRECTA = "La contraseña de la clave privada es incorrecta. Verifícala e inténtalo de nuevo.";

let ff: Firefox;
test.beforeEach(async () => { ff = await abrirFirefox(); });
test.afterEach(async () => { await ff?.driver.quit(); });

const credenciales = (nrp: string) =>
  Number(sql("demo", `SELECT count(*) FROM credenciales c JOIN cuentas a ON a.id = c.cuenta_id WHERE a.nrp = '${nrp}'`));

async function ingresar() {
  const d = ff.driver;
  await ir(d, `${URL_DEMO}/ingresar`);
  await sinViolaciones(d, "ingresar");
  await (await campo(d, "Número de Registro Patronal (NRP)")).sendKeys(PATRON.nrp);
  await (await campo(d, "Correo electrónico")).sendKeys(PATRON.correo);
  await (await campo(d, "Contraseña")).sendKeys(PATRON.contrasena);
  await (await boton(d, "Entrar")).click();
  await d.wait(until.urlMatches(/\/portal\/escritorio$/), 15_000, "no se llegó al Escritorio");
}

/// Image 5 → 6: the Terms, the box, Continuar.
async function aceptarTerminos() {
  const d = ff.driver;
  await ir(d, `${URL_DEMO}${TAB}`);
  await encabezado(d, "Generación de contraseña");
  const continuar = await d.wait(until.elementLocated(By.id("continuar-terminos")), 15_000);
  expect(await continuar.isEnabled()).toBe(false);
  await sinViolaciones(d, "Generación: Términos y condiciones");
  await d.findElement(By.xpath("//label[normalize-space(.)='Acepto términos y condiciones']//input[@type='checkbox']")).click();
  await (await boton(d, "Continuar")).click();
  await encabezado(d, "Validar con Firma electrónica avanzada (e.firma)");
}

/// Image 6: both files through the native inputs (as a picker would), the password, Validar.
async function validar(contrasena: string) {
  const d = ff.driver;
  const demo = efirmaDemo();
  await (await campo(d, "Adjunta el archivo .CER: *")).sendKeys(demo.cer);
  await (await campo(d, "Adjunta el archivo .KEY: *")).sendKeys(demo.key);
  // The chosen files' names, as the guide shows them beside Examinar.
  await d.wait(until.elementTextIs(d.findElement(By.id("archivo-cer-nombre")), "fiel.cer"), 15_000);
  await d.wait(until.elementTextIs(d.findElement(By.id("archivo-key-nombre")), "fiel.key"), 15_000);
  await (await campo(d, "Contraseña de la Firma electrónica avanzada: *")).sendKeys(contrasena);
  await (await boton(d, "Validar")).click();
}

test("Firefox: una contraseña de la e.firma incorrecta da su mensaje y no firma nada", async () => {
  await ingresar();
  await aceptarTerminos();
  const antes = credenciales(PATRON.nrp);
  await validar(`${efirmaDemo().contrasena}x`);
  expect(await alerta(ff.driver)).toBe(CONTRASENA_INCORRECTA);
  await sinViolaciones(ff.driver, "Generación: e.firma, contraseña incorrecta");
  // The form stays usable for another try.
  await boton(ff.driver, "Validar");
  expect(await ff.driver.findElements(By.xpath("//h3[normalize-space(.)='Solicitud de trámite']"))).toHaveLength(0);
  expect(credenciales(PATRON.nrp)).toBe(antes);
});

test("Firefox: generación completa con la e.firma de demostración, contraseña por correo y acuse", async () => {
  const d = ff.driver;
  const demo = efirmaDemo();
  await ingresar();
  await aceptarTerminos();
  await validar(demo.contrasena);

  // Image 7: the requester and the Terms to sign.
  await encabezado(d, "Solicitud de trámite");
  const datos = await d.findElement(By.id("datos-solicitante")).getText();
  for (const valor of ["ESCUELA KEMPER URGATE SA DE CV", "EKU9003173C9", PATRON.nrp]) expect(datos).toContain(valor);
  await sinViolaciones(d, "Generación: Solicitud de trámite");
  await (await boton(d, "Continuar")).click();

  // Image 8: the signed answer, with its folio and the acuse.
  await encabezado(d, "Respuesta firmada electrónicamente");
  const folio = (await d.findElement(By.id("folio-emitido")).getText()).trim();
  expect(folio).toMatch(/^\d{10}$/);
  expect(await d.findElement(By.css('[role="status"]')).getText()).toBe(
    "Tu contraseña fue generada con éxito. Recibirás un correo con la contraseña generada en el correo electrónico registrado.");
  await sinViolaciones(d, "Generación: Respuesta firmada electrónicamente");
  await d.findElement(By.linkText(`acuse-${folio}.pdf`)).click();
  const acuse = await esperarDescarga(ff.descargas, `acuse-${folio}.pdf`);
  await comprobarAcuse(acuse, { folio, base: URL_DEMO, cer: demo.cer, nrp: PATRON.nrp });

  // The password, as the employer receives it, is the account's active credential.
  const correo = await esperarCorreo(PATRON.correo, `FOLIO: ${folio}`);
  const contrasena = /La contraseña generada es: (\S+)/.exec(correo.texto)?.[1] ?? "";
  expect(contrasena).toMatch(/^[2-9A-HJKMNP-Z]{5}(-[2-9A-HJKMNP-Z]{5}){4}$/);
  expect(credencialValida("demo", PATRON.nrp, contrasena)).toBe(true);

  // Back in the tab: the active credential and its folio.
  await ir(d, `${URL_DEMO}${TAB}`);
  const activo = await d.wait(until.elementLocated(By.id("folio-activo")), 15_000);
  await d.wait(until.elementTextIs(activo, folio), 15_000);
  await sinViolaciones(d, "contraseña activa");
});
