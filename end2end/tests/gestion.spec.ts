import { expect, test } from "@playwright/test";
import {
  URL_DEMO, abrirGeneracion, altaCuenta, cli, credencialValida, esperarCorreo, generarConEfirmaDemo, ingresar,
  tokenCsrf,
} from "./comun";

// Guide §3 "Cancelación" and §4 "Recuperación de la contraseña", in chromium against the real
// server; emails through the suite's SMTP server on loopback.

test.describe.configure({ mode: "serial" });

// An employer of its own, so this file does not depend on the others' state. Same RFC as the
// demo e.firma.
const CUENTA = { nrp: "C5412345109", correo: "pagos@kemper.example", contrasena: "Kemper-Pagos-2026" };

test.beforeAll(() => altaCuenta("demo", CUENTA));

let actual = { folio: "", contrasena: "" };

test("cancelar: el aviso se cierra sin cambios con Escape o Regresar", async ({ page }) => {
  await ingresar(page, URL_DEMO, CUENTA);
  actual = await generarConEfirmaDemo(page, CUENTA.correo);
  await abrirGeneracion(page, URL_DEMO);
  await expect(page.locator("#folio-activo")).toHaveText(actual.folio);

  const dialogo = page.getByRole("dialog", { name: "Cancelar contraseña" });
  await page.getByRole("button", { name: "Cancelar contraseña" }).click();
  await expect(dialogo).toBeVisible();
  await expect(dialogo).toContainText("¿Estás seguro de cancelar tu contraseña?");
  // Focus stays in the dialog, starting on the safe choice.
  await expect(dialogo.getByRole("button", { name: "Regresar" })).toBeFocused();
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press("Tab");
    const dentro = await page.evaluate(() => {
      const a = document.activeElement;
      return !a || a === document.body || !!a.closest("dialog");
    });
    expect(dentro).toBe(true);
  }
  await page.keyboard.press("Escape");
  await expect(dialogo).toBeHidden();
  await page.getByRole("button", { name: "Cancelar contraseña" }).click();
  await dialogo.getByRole("button", { name: "Regresar" }).click();
  await expect(dialogo).toBeHidden();
  expect(credencialValida("demo", CUENTA.nrp, actual.contrasena)).toBe(true);
});

test("recuperar: captcha incorrecto, código por correo, contraseña nueva por correo", async ({ page }) => {
  await ingresar(page, URL_DEMO, CUENTA);
  await abrirGeneracion(page, URL_DEMO);
  await page.getByRole("button", { name: "Recuperar contraseña" }).click();
  const imagen = page.locator("#imagen-captcha");
  await expect(imagen).toBeVisible();
  expect(await imagen.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
  expect(await imagen.getAttribute("alt")).toContain("Captcha de seguridad");
  const primera = await imagen.getAttribute("src");
  const campo = page.getByLabel("Escribe el captcha que se muestra en la pantalla");

  // A wrong answer: its message, and a new image (each captcha serves once).
  await campo.fill("ZZZZZZ");
  await page.getByRole("button", { name: "Continuar" }).click();
  await expect(page.getByRole("alert")).toHaveText("El texto no coincide con el captcha. Escribe el de la nueva imagen.");
  await expect(imagen).not.toHaveAttribute("src", primera!);
  await page.getByRole("button", { name: "Otra imagen" }).click();
  await expect(imagen).toBeVisible();

  // The accessible alternative: the code arrives by email.
  await page.getByRole("button", { name: "¿No puedes ver la imagen? Recibe un código en tu correo" }).click();
  await expect(page.getByText("Te enviamos un código de verificación a p***@kemper.example.")).toBeVisible();
  const correoCodigo = await esperarCorreo(CUENTA.correo, "Tu código de verificación es:");
  const codigo = /Tu código de verificación es: (\S+)/.exec(correoCodigo.texto)![1];
  await campo.fill(codigo);
  await page.getByRole("button", { name: "Continuar" }).click();
  await expect(page.getByText("Recibirás un correo electrónico con la contraseña")).toBeVisible();
  const folio = (await page.locator("#folio-recuperado").textContent())!.trim();
  expect(await page.content()).not.toContain(actual.contrasena);

  const correo = await esperarCorreo(CUENTA.correo, `FOLIO: ${folio}`);
  expect(correo.asunto).toBe("Servicios de Intercomunicación - Contraseña recuperada");
  expect(correo.texto).toContain("RFC: EKU9003173C9");
  expect(correo.texto).toContain("Razón Social: ESCUELA KEMPER URGATE SA DE CV");
  const nueva = /La contraseña generada es: (\S+)/.exec(correo.texto)![1];
  expect(await page.content()).not.toContain(nueva);
  expect(credencialValida("demo", CUENTA.nrp, actual.contrasena)).toBe(false);
  expect(credencialValida("demo", CUENTA.nrp, nueva)).toBe(true);
  actual = { folio, contrasena: nueva };
});

test("cancelar: Aceptar cancela, avisa por correo y ofrece generar otra", async ({ page }) => {
  await ingresar(page, URL_DEMO, CUENTA);
  await abrirGeneracion(page, URL_DEMO);
  await expect(page.locator("#folio-activo")).toHaveText(actual.folio);
  await page.getByRole("button", { name: "Cancelar contraseña" }).click();
  await page.getByRole("dialog", { name: "Cancelar contraseña" }).getByRole("button", { name: "Aceptar" }).click();
  await expect(page.getByRole("heading", { name: "Contraseña cancelada" })).toBeVisible();
  await expect(page.getByText(`La contraseña con folio ${actual.folio} fue cancelada`)).toBeVisible();
  expect(credencialValida("demo", CUENTA.nrp, actual.contrasena)).toBe(false);
  const correo = await esperarCorreo(CUENTA.correo, `tu contraseña con folio ${actual.folio} fue cancelada`);
  expect(correo.asunto).toBe("Servicios de Intercomunicación - Contraseña cancelada");
  expect(correo.texto).toContain(`FOLIO: ${actual.folio}`);

  // Nothing left to cancel or recover; requests without the CSRF defence are refused.
  const token = (await tokenCsrf(page)) ?? "";
  const otraVez = await page.request.post(`${URL_DEMO}/api/recuperacion/captcha`, {
    form: {}, headers: { "x-csrf-token": token },
  });
  expect(otraVez.status()).toBe(409);
  expect((await otraVez.json()).mensaje).toBe(
    "No tienes una contraseña activa. Puedes generar una en la pestaña Generación de contraseña.");
  const forjada = await page.request.post(`${URL_DEMO}/api/generacion/cancelar`, { form: { folio: actual.folio } });
  expect(forjada.status()).toBe(403);

  await page.getByRole("button", { name: "Generar una nueva contraseña" }).click();
  await expect(page.getByRole("checkbox", { name: "Acepto términos y condiciones" })).toBeVisible();
});
