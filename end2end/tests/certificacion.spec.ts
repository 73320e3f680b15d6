import { expect, test } from "@playwright/test";
import {
  TAB, URL_DEMO, aceptarTerminos, altaCuenta, cli, credencialValida, efirmaDemo, esperarCorreo, ingresar, validar,
} from "./comun";

// Certificación (Desarrolladores): a software house gets its developer credential with its
// e.firma (its own Terms), registers a product, asks for certification, and sees the
// Instituto's decision taken with the operator CLI.

test.describe.configure({ mode: "serial" });

const DESARROLLADOR = { nrp: "D5412345100", correo: "sistemas@kemper.example", contrasena: "Kemper-Sistemas-2026" };

test.beforeAll(() => altaCuenta("demo", DESARROLLADOR));

test("el desarrollador obtiene su contraseña y certifica su producto", async ({ page }) => {
  const demo = efirmaDemo();
  await ingresar(page, URL_DEMO, DESARROLLADOR);
  await page.goto(`${URL_DEMO}${TAB}/certificacion`);
  await expect(page.locator("body[data-hidratado]")).toBeAttached();
  await expect(page.getByRole("heading", { level: 2, name: "Certificación (Desarrolladores)" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Contraseña de desarrollador" })).toBeVisible();

  // Without the developer credential, products cannot be registered yet.
  await page.getByLabel("Nombre del producto").fill("Nómina Plus");
  await page.getByLabel("Versión").fill("4.2");
  await page.getByLabel("Contacto (correo electrónico o teléfono)").fill("ti@kemper.example");
  await page.getByRole("button", { name: "Registrar producto" }).click();
  await expect(page.getByRole("alert")).toHaveText(
    "Primero genera tu contraseña de desarrollador en esta pestaña; después podrás registrar tus productos.");

  // The developer's own Terms, then the same e.firma flow.
  await expect(page.getByRole("document", { name: "Términos y condiciones" })).toContainText("3. Certificación de productos");
  await aceptarTerminos(page);
  await validar(page, { ...demo.par("fiel"), contrasena: demo.contrasena });
  await expect(page.getByRole("heading", { name: "Solicitud de trámite" })).toBeVisible();
  await expect(page.locator(".cadena-original code")).toContainText("|DESARROLLADOR|");
  await page.getByRole("button", { name: "Continuar" }).click();
  await expect(page.getByRole("heading", { name: "Respuesta firmada electrónicamente" })).toBeVisible();
  const folio = (await page.locator("#folio-emitido").textContent())!.trim();
  const correo = await esperarCorreo(DESARROLLADOR.correo, `FOLIO: ${folio}`);
  const contrasena = /La contraseña generada es: (\S+)/.exec(correo.texto)![1];
  const r = cli("demo", ["credenciales", "verificar", "--nrp", DESARROLLADOR.nrp, "--rol", "desarrollador",
    "--contrasena-stdin"], `${contrasena}\n`);
  expect(r.codigo, r.error).toBe(0);
  expect(credencialValida("demo", DESARROLLADOR.nrp, contrasena)).toBe(false); // not an employer credential

  // Register and submit the product.
  await page.reload();
  await expect(page.locator("body[data-hidratado]")).toBeAttached();
  await page.getByLabel("Nombre del producto").fill("Nómina Plus");
  await page.getByLabel("Versión").fill("4.2");
  await page.getByLabel("Contacto (correo electrónico o teléfono)").fill("ti@kemper.example");
  await page.getByRole("button", { name: "Registrar producto" }).click();
  const fila = page.locator("#tabla-productos tbody tr", { hasText: "Nómina Plus" });
  await expect(fila).toContainText("Registrado");
  await fila.getByRole("button", { name: "Solicitar certificación" }).click();
  await expect(fila).toContainText("Certificación solicitada");

  // The Instituto approves from the command line; the developer sees it.
  const pendientes = cli("demo", ["certificacion", "pendientes"]);
  const id = pendientes.salida.split("\n").find((l) => l.includes("Nómina Plus 4.2"))!.split("\t")[0];
  expect(cli("demo", ["certificacion", "aprobar", "--producto", id]).codigo).toBe(0);
  await page.reload();
  await expect(page.locator("#tabla-productos tbody tr", { hasText: "Nómina Plus" }).locator("td.estado")).toHaveText("Certificado");
});
