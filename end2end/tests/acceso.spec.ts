import { expect, test, type Page } from "@playwright/test";
import { altaCuenta, esperarCorreo, sql } from "./comun";

// Guide §1 "Acceso al servicio", in a real browser against the real server.

const PATRON = { nrp: "Y5412345108", correo: "nomina@kemper.example", contrasena: "Kemper-Portal-2026" };
const DATOS_INCORRECTOS =
  "Los datos de acceso no son correctos. Verifica tu NRP, tu correo electrónico y tu contraseña.";

async function abrirIngreso(page: Page) {
  await page.goto("/ingresar");
  await expect(page.locator("body[data-hidratado]")).toBeAttached();
}

async function ingresar(page: Page, datos: { nrp: string; correo: string; contrasena: string }) {
  await abrirIngreso(page);
  await page.getByLabel("Número de Registro Patronal (NRP)").fill(datos.nrp);
  await page.getByLabel("Correo electrónico").fill(datos.correo);
  await page.getByLabel("Contraseña", { exact: true }).fill(datos.contrasena);
  await page.getByRole("button", { name: "Entrar" }).click();
}

test("la página de inicio lleva a Ingresar", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("link", { name: "Ingresar" }).first().click();
  await expect(page).toHaveURL(/\/ingresar$/);
  await expect(page.getByRole("heading", { name: "Iniciar sesión con tu cuenta" })).toBeVisible();
});

test("la página hidrata: Mostrar reacciona sin recargar", async ({ page }) => {
  await abrirIngreso(page);
  await page.evaluate(() => ((window as any).__sinRecarga = true));
  const campo = page.getByLabel("Contraseña", { exact: true });
  await expect(campo).toHaveAttribute("type", "password");
  await page.getByRole("button", { name: "Mostrar" }).click();
  await expect(campo).toHaveAttribute("type", "text");
  await expect(page.getByRole("button", { name: "Ocultar" })).toBeVisible();
  expect(await page.evaluate(() => (window as any).__sinRecarga)).toBe(true);
});

test("ingreso correcto, las tres pestañas y cerrar sesión", async ({ page, context }) => {
  await ingresar(page, PATRON);
  await expect(page).toHaveURL(/\/portal\/escritorio$/);
  await expect(page.getByText("Bienvenido(a), ESCUELA KEMPER URGATE SA DE CV.")).toBeVisible();
  const menu = page.getByRole("navigation", { name: "Menú principal" });
  for (const opcion of ["Escritorio", "Mi Cuenta", "Mis Trámites", "Valores", "Centro de Atención Empresarial", "Guías y videotecas"]) {
    await expect(menu.getByRole("link", { name: opcion, exact: true })).toBeVisible();
  }
  const cookies = await context.cookies();
  const sesion = cookies.find((c) => c.name === "__Host-sesion");
  expect(sesion?.httpOnly).toBe(true);
  expect(sesion?.secure).toBe(true);
  expect(sesion?.sameSite).toBe("Strict");

  await menu.getByRole("link", { name: "Mis Trámites" }).click();
  await page.getByRole("link", { name: "Servicios de Intercomunicación" }).click();
  await expect(page.getByText("Ubicación: Mis Trámites > Servicios de Intercomunicación >")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Servicio de Intercomunicación" })).toBeVisible();
  const pestanas = page.getByRole("navigation", { name: "Opciones del servicio" });
  for (const [pestana, ruta] of [
    ["Certificación (Desarrolladores)", /\/certificacion$/],
    ["Relaciones de confianza", /\/relaciones-de-confianza$/],
    ["Generación de contraseña", /\/servicios-de-intercomunicacion$/],
  ] as const) {
    await pestanas.getByRole("link", { name: pestana }).click();
    await expect(page).toHaveURL(ruta);
    await expect(page.getByRole("heading", { level: 2, name: pestana })).toBeVisible();
    await expect(pestanas.getByRole("link", { name: pestana })).toHaveAttribute("aria-current", "page");
  }

  await page.getByRole("button", { name: "Cerrar sesión" }).click();
  await expect(page).toHaveURL(/\/ingresar\?motivo=salida$/);
  await expect(page.getByText("Cerraste tu sesión.")).toBeVisible();
  await page.goto("/portal/escritorio");
  await expect(page).toHaveURL(/\/ingresar$/);
});

test("campos vacíos o mal escritos se señalan sin enviar nada", async ({ page }) => {
  await abrirIngreso(page);
  const peticiones: string[] = [];
  page.on("request", (r) => { if (r.method() === "POST") peticiones.push(r.url()); });
  const entrar = page.getByRole("button", { name: "Entrar" });
  const alerta = page.getByRole("alert");

  await entrar.click();
  await expect(alerta).toHaveText("Escribe tu Número de Registro Patronal (NRP).");
  await page.getByLabel("Número de Registro Patronal (NRP)").fill("12345");
  await entrar.click();
  await expect(alerta).toHaveText("El NRP tiene 11 caracteres: una letra o un dígito, seguido de 10 dígitos.");
  await page.getByLabel("Número de Registro Patronal (NRP)").fill(PATRON.nrp);
  await page.getByLabel("Correo electrónico").fill("no-es-correo");
  await entrar.click();
  await expect(alerta).toHaveText("Escribe un correo electrónico válido, por ejemplo nombre@empresa.com.mx.");
  await page.getByLabel("Correo electrónico").fill(PATRON.correo);
  await entrar.click();
  await expect(alerta).toHaveText("Escribe tu contraseña.");
  expect(peticiones).toEqual([]);
});

test("NRP, correo o contraseña incorrectos reciben el mismo mensaje", async ({ page }) => {
  for (const datos of [
    { ...PATRON, nrp: "Z0000000001" },
    { ...PATRON, correo: "otro@kemper.example" },
    { ...PATRON, contrasena: "no-es-la-contraseña" },
  ]) {
    await ingresar(page, datos);
    await expect(page.getByRole("alert")).toHaveText(DATOS_INCORRECTOS);
    await expect(page).toHaveURL(/\/ingresar$/);
  }
});

test("varios intentos fallidos bloquean el NRP temporalmente", async ({ page }) => {
  const cuenta = { nrp: "B1234567890", correo: "rh@accem.example", contrasena: "Accem-Portal-2026" };
  for (let i = 0; i < 3; i++) {
    await ingresar(page, { ...cuenta, contrasena: `equivocada-${i}` });
    await expect(page.getByRole("alert")).toHaveText(DATOS_INCORRECTOS);
  }
  await ingresar(page, cuenta);
  await expect(page.getByRole("alert")).toContainText(
    "Por tu seguridad, el ingreso con este NRP está bloqueado temporalmente por varios intentos fallidos.",
  );
  await expect(page).toHaveURL(/\/ingresar$/);
});

test("una sesión que ya no existe regresa a ingresar con aviso", async ({ page, context }) => {
  await ingresar(page, PATRON);
  await expect(page).toHaveURL(/\/portal\/escritorio$/);
  // The server forgets the session (as after a timeout): the browser's cookie is now stale.
  const cookies = await context.cookies();
  await context.clearCookies();
  await context.addCookies(cookies.map((c) => (c.name === "__Host-sesion" ? { ...c, value: "vencida" } : c)));
  await page.goto("/portal/mis-tramites");
  await expect(page).toHaveURL(/\/ingresar\?motivo=sesion$/);
  await expect(page.getByText("Tu sesión terminó. Vuelve a ingresar para continuar.")).toBeVisible();
});

test("un NRP con muchos fallos desde otras conexiones pide captcha y el patrón entra", async ({ page }) => {
  const cuenta = { nrp: "C1234567890", correo: "rh@captcha.example", contrasena: "Captcha-Portal-2026" };
  altaCuenta("demo", cuenta);
  // Failures of this NRP from other addresses (an attacker elsewhere): its run of three.
  sql("demo", `DELETE FROM intentos_fallidos WHERE clave LIKE '%${cuenta.nrp}%'`);
  const ahora = Math.floor(Date.now() / 1000);
  for (let i = 0; i < 3; i++) sql("demo", `INSERT INTO intentos_fallidos (clave, momento) VALUES ('nrp:${cuenta.nrp}', ${ahora})`);

  await ingresar(page, cuenta);
  await expect(page.getByRole("alert")).toHaveText(
    "Por tu seguridad, para ingresar con este NRP escribe también el captcha que se muestra en la pantalla.",
  );
  await expect(page).toHaveURL(/\/ingresar$/);
  await expect(page.locator("#imagen-captcha")).toBeVisible();
  // The accessible alternative: the code goes to the NRP's registered address.
  await page.getByRole("button", { name: "¿No puedes ver la imagen? Recibe un código en tu correo" }).click();
  await expect(page.getByText("Si el NRP está registrado, enviamos un código de verificación a su correo electrónico.")).toBeVisible();
  const correo = await esperarCorreo(cuenta.correo, "Tu código de verificación es:");
  expect(correo.asunto).toBe("Servicios de Intercomunicación - Código de verificación");
  const codigo = /Tu código de verificación es: (\S+)/.exec(correo.texto)![1];
  await page.getByLabel("Escribe el captcha que se muestra en la pantalla").fill(codigo);
  await page.getByRole("button", { name: "Entrar" }).click();
  await expect(page).toHaveURL(/\/portal\/escritorio$/);
});
