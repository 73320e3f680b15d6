import { expect, test } from "@playwright/test";
import {
  URL_DEMO, abrirGeneracion, altaCuenta, buzonDeSalidaVacio, cli, correosCon, type Correo, credencialValida,
  esperarCorreo, generarConEfirmaDemo, ingresar, sql, tokenCsrf,
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
  // Reopened, the tab offers generating only.
  await abrirGeneracion(page, URL_DEMO);
  await expect(page.getByRole("checkbox", { name: "Acepto términos y condiciones" })).toBeVisible();
  for (const boton of ["Cancelar contraseña", "Recuperar contraseña"])
    await expect(page.getByRole("button", { name: boton })).toHaveCount(0);
});

test("captcha vencido o ya usado, pestañas viejas, otra sesión y dos cancelaciones: un mensaje claro y un solo efecto", async ({ page, context, browser }) => {
  const campo = page.getByLabel("Escribe el captcha que se muestra en la pantalla");
  const continuar = page.getByRole("button", { name: "Continuar" });
  const imagen = page.locator("#imagen-captcha");
  await ingresar(page, URL_DEMO, CUENTA);
  const primera = await generarConEfirmaDemo(page, CUENTA.correo);
  // A second tab of the same session, left showing that credential.
  const vieja = await context.newPage();
  await abrirGeneracion(vieja, URL_DEMO);
  await expect(vieja.locator("#folio-activo")).toHaveText(primera.folio);

  // An expired captcha: its message and a new image; nothing changes.
  await abrirGeneracion(page, URL_DEMO);
  await page.getByRole("button", { name: "Recuperar contraseña" }).click();
  await expect(imagen).toBeVisible();
  const vencida = await imagen.getAttribute("src");
  sql("demo", "UPDATE captchas SET expira = 0");
  await campo.fill("ABCDEF");
  await continuar.click();
  await expect(page.getByRole("alert")).toHaveText("El captcha venció. Escribe el de la nueva imagen.");
  await expect(imagen).not.toHaveAttribute("src", vencida!);
  expect(credencialValida("demo", CUENTA.nrp, primera.contrasena)).toBe(true);

  // A captcha used once cannot be used again, even with its right answer.
  let enviado: string | null = null;
  await page.route("**/api/recuperacion/recuperar", async (ruta) => {
    enviado = ruta.request().postData();
    await ruta.continue();
  });
  const CODIGO = "Tu código de verificación es:";
  const codigosAntes = (await correosCon(CUENTA.correo, CODIGO)).length;
  await page.getByRole("button", { name: "¿No puedes ver la imagen? Recibe un código en tu correo" }).click();
  await expect(page.getByText("Te enviamos un código de verificación a p***@kemper.example.")).toBeVisible();
  let codigos: Correo[] = [];
  await expect.poll(async () => (codigos = await correosCon(CUENTA.correo, CODIGO)).length).toBe(codigosAntes + 1);
  await campo.fill(/Tu código de verificación es: (\S+)/.exec(codigos[codigos.length - 1].texto)![1]);
  await continuar.click();
  await expect(page.getByText("Recibirás un correo electrónico con la contraseña")).toBeVisible();
  const segunda = (await page.locator("#folio-recuperado").textContent())!.trim();
  const correoSegunda = await esperarCorreo(CUENTA.correo, `FOLIO: ${segunda}`);
  const contrasenaSegunda = /La contraseña generada es: (\S+)/.exec(correoSegunda.texto)![1];
  await page.unroute("**/api/recuperacion/recuperar");
  expect(enviado).not.toBeNull();
  const repetido = await page.request.post(`${URL_DEMO}/api/recuperacion/recuperar`, {
    data: enviado!,
    headers: { "content-type": "application/x-www-form-urlencoded", "x-csrf-token": (await tokenCsrf(page)) ?? "" },
  });
  expect(repetido.status()).toBe(409);
  expect((await repetido.json()).mensaje).toBe("Ese captcha ya se usó. Escribe el de la nueva imagen.");
  expect(credencialValida("demo", CUENTA.nrp, contrasenaSegunda)).toBe(true);

  // The old tab still shows the first credential: cancelling it says what happened, on the page.
  await vieja.getByRole("button", { name: "Cancelar contraseña" }).click();
  await vieja.getByRole("dialog", { name: "Cancelar contraseña" }).getByRole("button", { name: "Aceptar" }).click();
  await expect(vieja.getByRole("alert")).toHaveText(
    "Tu contraseña cambió mientras tanto (se recuperó o se reemplazó en otra ventana). Revisa su estado antes de cancelarla.");
  await expect(vieja.getByRole("heading", { level: 2, name: "Generación de contraseña" })).toBeVisible();
  expect(credencialValida("demo", CUENTA.nrp, contrasenaSegunda)).toBe(true);

  // Forged requests: without the CSRF token, or with the token of another session (another
  // browser signed in to the same account). 403, and nothing changes.
  const otro = await browser.newContext();
  const otraPagina = await otro.newPage();
  await ingresar(otraPagina, URL_DEMO, CUENTA);
  const ajeno = (await tokenCsrf(otraPagina)) ?? "";
  expect(ajeno).not.toBe("");
  await otro.close();
  for (const [ruta, form] of [
    ["/api/generacion/cancelar", { folio: segunda }],
    ["/api/recuperacion/captcha", {}],
    ["/api/recuperacion/recuperar", { id: "x", respuesta: "x" }],
  ] as const) {
    for (const cabeceras of [{}, { "x-csrf-token": ajeno }]) {
      const r = await page.request.post(`${URL_DEMO}${ruta}`, { form, headers: cabeceras });
      expect(r.status(), ruta).toBe(403);
      expect((await r.json()).mensaje).toBe("La página caducó por seguridad. Recarga la página e intenta de nuevo.");
    }
  }
  expect(credencialValida("demo", CUENTA.nrp, contrasenaSegunda)).toBe(true);

  // Two tabs cancel at once: both say it is cancelled, one cancellation, one email. A third tab
  // opened before asks to recover a credential that no longer exists: it is told so.
  const tercera = await context.newPage();
  for (const p of [page, vieja, tercera]) {
    await abrirGeneracion(p, URL_DEMO);
    await expect(p.locator("#folio-activo")).toHaveText(segunda);
  }
  for (const p of [page, vieja]) await p.getByRole("button", { name: "Cancelar contraseña" }).click();
  await Promise.all([page, vieja].map((p) =>
    p.getByRole("dialog", { name: "Cancelar contraseña" }).getByRole("button", { name: "Aceptar" }).click()));
  for (const p of [page, vieja]) {
    await expect(p.getByRole("heading", { name: "Contraseña cancelada" })).toBeVisible();
    await expect(p.getByText(`La contraseña con folio ${segunda} fue cancelada`)).toBeVisible();
  }
  expect(credencialValida("demo", CUENTA.nrp, contrasenaSegunda)).toBe(false);
  expect(Number(sql("demo", `SELECT count(*) FROM auditoria WHERE evento = 'credencial_cancelada' AND detalle = '${segunda}'`))).toBe(1);
  await esperarCorreo(CUENTA.correo, `tu contraseña con folio ${segunda} fue cancelada`);
  await buzonDeSalidaVacio("demo", CUENTA.correo);
  expect(await correosCon(CUENTA.correo, `tu contraseña con folio ${segunda} fue cancelada`)).toHaveLength(1);

  await tercera.getByRole("button", { name: "Recuperar contraseña" }).click();
  await expect(tercera.getByRole("alert")).toHaveText(
    "No tienes una contraseña activa. Puedes generar una en la pestaña Generación de contraseña.");
  await expect(tercera.getByRole("button", { name: "Continuar" })).toBeDisabled();
  // And no cancel or recovery of a credential that is not there (the API, as a forged page would).
  const token = (await tokenCsrf(page)) ?? "";
  const sinActiva = await page.request.post(`${URL_DEMO}/api/generacion/cancelar`, {
    form: { folio: "0000000000" }, headers: { "x-csrf-token": token },
  });
  expect(sinActiva.status()).toBe(409);
  expect((await sinActiva.json()).mensaje).toBe(
    "No tienes una contraseña activa. Puedes generar una en la pestaña Generación de contraseña.");
});
