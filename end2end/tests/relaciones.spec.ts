import { expect, test } from "@playwright/test";
import {
  TAB, URL_DEMO, aceptarTerminos, altaCuenta, cli, efirmaDemo, esperarCorreo, generarConEfirmaDemo, ingresar, sql, validar,
} from "./comun";

// Issue #6 end to end: a software house gets its developer password and its product certified
// (operator CLI), an employer trusts it with its e.firma, payroll software opens an API session
// with both passwords (read from the emails on the suite's SMTP server) and downloads avisos;
// revoking the relation ends that session.

test.describe.configure({ mode: "serial" });

const DESARROLLADOR = { nrp: "E5412345101", correo: "nominas@softnom.example", contrasena: "SoftNom-Portal-2026" };
const PATRON = { nrp: "F5412345102", correo: "rh@kemper-norte.example", contrasena: "Kemper-Norte-2026" };

test.beforeAll(() => {
  // One RFC holds one active developer password, and the demo CA issues a single FIEL (RFC
  // EKU9003173C9), which another spec already used as a developer: end that one first.
  sql("demo", "UPDATE credenciales SET estado = 'cancelada', terminada = 0 WHERE rol = 'desarrollador' AND estado = 'activa'");
  // Both accounts carry the demo e.firma's RFC (the demo CA issues one FIEL); the developer is
  // found by that RFC.
  for (const c of [DESARROLLADOR, PATRON]) altaCuenta("demo", c);
  const avisos = `fecha,nrp,nss,nombre,numero_credito,tipo,tipo_descuento,valor_descuento,folio
2026-10-01,${PATRON.nrp},12345678901,JUAN PEREZ LOPEZ,1234567890,retencion,porcentaje,20.00,E2E-0001
2026-10-15,${PATRON.nrp},12345678902,MARIA GOMEZ RUIZ,1234567891,suspension,cuota_fija,1500.00,E2E-0002
`;
  const archivo = `${__dirname}/../.datos/demo/avisos-e2e.csv`;
  require("node:fs").writeFileSync(archivo, avisos);
  const r = cli("demo", ["avisos", "cargar", "--archivo", archivo]);
  expect(r.codigo, r.error).toBe(0);
});

test("del producto certificado a la API, y revocar corta la sesión", async ({ page, browser, request }) => {
  const demo = efirmaDemo();
  // The developer: its password (Certificación tab) and a certified product.
  await ingresar(page, URL_DEMO, DESARROLLADOR);
  await page.goto(`${URL_DEMO}${TAB}/certificacion`);
  await expect(page.locator("body[data-hidratado]")).toBeAttached();
  await aceptarTerminos(page);
  await validar(page, { ...demo.par("fiel"), contrasena: demo.contrasena });
  await page.getByRole("button", { name: "Continuar" }).click();
  const folioD = (await page.locator("#folio-emitido").textContent())!.trim();
  const correoD = await esperarCorreo(DESARROLLADOR.correo, `FOLIO: ${folioD}`);
  const contrasenaD = /La contraseña generada es: (\S+)/.exec(correoD.texto)![1];
  await page.reload();
  await expect(page.locator("body[data-hidratado]")).toBeAttached();
  await page.getByLabel("Nombre del producto").fill("SoftNom");
  await page.getByLabel("Versión").fill("9.1");
  await page.getByLabel("Contacto (correo electrónico o teléfono)").fill("soporte@softnom.example");
  await page.getByRole("button", { name: "Registrar producto" }).click();
  const fila = page.locator("#tabla-productos tbody tr", { hasText: "SoftNom" });
  await fila.getByRole("button", { name: "Solicitar certificación" }).click();
  await expect(fila).toContainText("Certificación solicitada");
  const id = cli("demo", ["certificacion", "pendientes"]).salida.split("\n").find((l) => l.includes("SoftNom 9.1"))!.split("\t")[0];
  expect(cli("demo", ["certificacion", "aprobar", "--producto", id]).codigo).toBe(0);

  // The employer: its password, then the relation signed with its e.firma.
  const contexto = await browser.newContext();
  const patron = await contexto.newPage();
  await ingresar(patron, URL_DEMO, PATRON);
  const { contrasena: contrasenaP } = await generarConEfirmaDemo(patron, PATRON.correo);
  await patron.goto(`${URL_DEMO}${TAB}/relaciones-de-confianza`);
  await expect(patron.locator("body[data-hidratado]")).toBeAttached();
  await patron.getByLabel("RFC del desarrollador").fill("EKU9003173C9");
  await patron.getByRole("button", { name: "Buscar productos certificados" }).click();
  await expect(patron.getByRole("radio", { name: "SoftNom 9.1" })).toBeChecked();
  await patron.getByLabel("Adjunta el archivo .CER: *").setInputFiles(demo.cer);
  await patron.getByLabel("Adjunta el archivo .KEY: *").setInputFiles(demo.key);
  await patron.getByLabel("Contraseña de la Firma electrónica avanzada: *").fill(demo.contrasena);
  await patron.getByRole("button", { name: "Firmar y agregar" }).click();
  await expect(patron.getByText("como desarrollador de confianza.")).toBeVisible();
  await expect(patron.locator("#tabla-relaciones")).toContainText("SoftNom 9.1");

  // Payroll software: both passwords, then the avisos.
  const sesion = await request.post(`${URL_DEMO}/api/v1/sesiones`, {
    data: {
      patron: { nrp: PATRON.nrp }, contrasena_patron: contrasenaP,
      desarrollador: { rfc: "EKU9003173C9" }, contrasena_desarrollador: contrasenaD,
    },
  });
  expect(sesion.status()).toBe(201);
  const { token } = await sesion.json();
  const avisos = await request.get(`${URL_DEMO}/api/v1/avisos`, { headers: { authorization: `Bearer ${token}` } });
  expect(avisos.status()).toBe(200);
  const cuerpo = await avisos.json();
  expect(cuerpo.avisos.map((a: { folio: string }) => a.folio)).toEqual(["E2E-0001", "E2E-0002"]);

  // The employer revokes the relation (after confirming): the session ends at once.
  await patron.getByRole("button", { name: "Revocar" }).click();
  await patron.getByRole("dialog", { name: "Revocar relación de confianza" }).getByRole("button", { name: "Aceptar" }).click();
  await expect(patron.locator("#tabla-relaciones")).toContainText("Revocada");
  const despues = await request.get(`${URL_DEMO}/api/v1/avisos`, { headers: { authorization: `Bearer ${token}` } });
  expect(despues.status()).toBe(401);
  await contexto.close();
});
