import { expect, test, type Page } from "@playwright/test";
import {
  TAB, URL_DEMO, abrirGeneracion, aceptarTerminos, altaCuenta, cli, efirmaDemo, esperarCorreo, ingresar, sql, validar,
} from "./comun";
import { sinViolaciones } from "./axe";

// WCAG 2.2 AA with axe-core, in Debian's chromium against the demo server: every page, and every
// state of the three tabs of Servicios de Intercomunicación (Generación with its cancellation and
// recovery, Certificación, Relaciones de confianza: forms, error messages, dialogs, captcha),
// sign-in with its captcha and lock, the guide and the public verification of acuses. Zero
// violations, no rule disabled.

test.describe.configure({ mode: "serial" });

// Accounts of this file's own, so its state depends on no other spec (same RFC as the demo
// e.firma: the demo CA issues one FIEL).
const PATRON = { nrp: "G5412345103", correo: "accesible@kemper.example", contrasena: "Kemper-Accesible-2026" };
const DESARROLLADOR = { nrp: "H5412345104", correo: "desarrollo@kemper.example", contrasena: "Kemper-Desarrollo-2026" };
const CAPTCHA = { nrp: "J5412345105", correo: "captcha@kemper.example", contrasena: "Kemper-Captcha-2026" };
const BLOQUEO = { nrp: "K5412345106", correo: "bloqueo@kemper.example", contrasena: "Kemper-Bloqueo-2026" };

const inicio = Math.floor(Date.now() / 1000);
let folio = "";

test.beforeAll(() => {
  for (const c of [PATRON, DESARROLLADOR, CAPTCHA, BLOQUEO]) altaCuenta("demo", c);
});

test.afterAll(() => {
  // This file's failed sign-ins from the browser's address count against the address for a while:
  // they are not the other specs' to inherit. And one RFC holds one active developer password:
  // the other specs obtain theirs for the same RFC.
  sql("demo", `DELETE FROM intentos_fallidos WHERE clave LIKE 'ip:%' AND momento >= ${inicio}`);
  sql("demo", `UPDATE credenciales SET estado = 'cancelada', terminada = 0 WHERE rol = 'desarrollador' AND estado = 'activa'
    AND cuenta_id = (SELECT id FROM cuentas WHERE nrp = '${DESARROLLADOR.nrp}')`);
});

async function abrir(page: Page, ruta: string) {
  await page.goto(`${URL_DEMO}${ruta}`);
  await expect(page.locator("body[data-hidratado]")).toBeAttached();
}

const alerta = (page: Page) => page.getByRole("alert");

test("páginas públicas: inicio, guía, verificación de acuses y página no encontrada", async ({ page }) => {
  await abrir(page, "/");
  await expect(page.getByRole("heading", { level: 1, name: "Portal Empresarial del Infonavit" })).toBeVisible();
  await sinViolaciones(page, "inicio");
  await abrir(page, "/guias/generacion-de-contrasena");
  await expect(page.getByRole("heading", { level: 2, name: "1. Acceso al servicio" })).toBeVisible();
  await sinViolaciones(page, "guía de usuario");
  await abrir(page, "/acuses/verificar");
  await expect(page.getByRole("heading", { level: 1, name: "Verificación de acuses" })).toBeVisible();
  await sinViolaciones(page, "verificación de acuses, vacía");
  await abrir(page, "/acuses/verificar?folio=0000000000");
  await expect(alerta(page)).toHaveText("No existe un acuse con ese folio.");
  await sinViolaciones(page, "verificación de acuses, folio inexistente");
  await abrir(page, "/acuses/verificar?folio=abc");
  await expect(alerta(page)).toBeVisible();
  await sinViolaciones(page, "verificación de acuses, folio mal escrito");
  const r = await page.goto(`${URL_DEMO}/no-existe`);
  expect(r?.status()).toBe(404);
  await expect(page.locator("body[data-hidratado]")).toBeAttached();
  await sinViolaciones(page, "página no encontrada");
});

test("ingresar: formulario, errores, captcha, código por correo, bloqueo y avisos de sesión", async ({ page }) => {
  const entrar = page.getByRole("button", { name: "Entrar" });
  const llenar = async (c: { nrp: string; correo: string; contrasena: string }) => {
    await page.getByLabel("Número de Registro Patronal (NRP)").fill(c.nrp);
    await page.getByLabel("Correo electrónico").fill(c.correo);
    await page.getByLabel("Contraseña", { exact: true }).fill(c.contrasena);
  };
  await abrir(page, "/ingresar");
  await sinViolaciones(page, "ingresar");
  await entrar.click();
  await expect(alerta(page)).toHaveText("Escribe tu Número de Registro Patronal (NRP).");
  await sinViolaciones(page, "ingresar, campos vacíos");
  await llenar({ ...PATRON, contrasena: "no-es-la-contraseña" });
  await page.getByRole("button", { name: "Mostrar" }).click();
  await entrar.click();
  await expect(alerta(page)).toHaveText(
    "Los datos de acceso no son correctos. Verifica tu NRP, tu correo electrónico y tu contraseña.");
  await sinViolaciones(page, "ingresar, datos incorrectos, contraseña a la vista");

  // Failures of an NRP from elsewhere: the captcha, and its alternative by email.
  const ahora = Math.floor(Date.now() / 1000);
  for (let i = 0; i < 3; i++) sql("demo", `INSERT INTO intentos_fallidos (clave, momento) VALUES ('nrp:${CAPTCHA.nrp}', ${ahora})`);
  await abrir(page, "/ingresar");
  await llenar(CAPTCHA);
  await entrar.click();
  await expect(alerta(page)).toHaveText(
    "Por tu seguridad, para ingresar con este NRP escribe también el captcha que se muestra en la pantalla.");
  await expect(page.locator("#imagen-captcha")).toBeVisible();
  await sinViolaciones(page, "ingresar con captcha");
  await page.getByRole("button", { name: "¿No puedes ver la imagen? Recibe un código en tu correo" }).click();
  await expect(page.getByText("Si el NRP está registrado, enviamos un código de verificación a su correo electrónico.")).toBeVisible();
  await sinViolaciones(page, "ingresar con código de verificación por correo");

  // An NRP locked outright (a hundred failures in a row, each with its captcha): once a solved
  // captcha comes, the field for the unlock code its account's address receives.
  sql("demo", `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
    INSERT INTO intentos_fallidos (clave, momento) SELECT 'nrp:${BLOQUEO.nrp}', ${ahora} FROM n`);
  await abrir(page, "/ingresar");
  await llenar(BLOQUEO);
  await entrar.click();
  await expect(page.locator("#imagen-captcha")).toBeVisible();
  await page.getByRole("button", { name: "¿No puedes ver la imagen? Recibe un código en tu correo" }).click();
  const correo = await esperarCorreo(BLOQUEO.correo, "Tu código de verificación es:");
  await page.getByLabel("Escribe el captcha que se muestra en la pantalla").fill(/Tu código de verificación es: (\S+)/.exec(correo.texto)![1]);
  await entrar.click();
  await expect(alerta(page)).toContainText("Por tu seguridad, el ingreso con este NRP está bloqueado por muchos intentos fallidos seguidos.");
  await expect(page.getByLabel("Código de desbloqueo")).toBeVisible();
  await sinViolaciones(page, "ingresar con NRP bloqueado: código de desbloqueo");

  for (const [motivo, texto] of [["sesion", "Tu sesión terminó. Vuelve a ingresar para continuar."], ["salida", "Cerraste tu sesión."]]) {
    await abrir(page, `/ingresar?motivo=${motivo}`);
    await expect(page.getByText(texto)).toBeVisible();
    await sinViolaciones(page, `ingresar, aviso «${texto}»`);
  }
});

test("área privada: escritorio, cuenta, trámites, valores, atención y guías", async ({ page }) => {
  await ingresar(page, URL_DEMO, PATRON);
  for (const [ruta, titulo] of [
    ["/portal/escritorio", "Escritorio"], ["/portal/mi-cuenta", "Mi Cuenta"], ["/portal/mis-tramites", "Mis Trámites"],
    ["/portal/valores", "Valores"], ["/portal/centro-de-atencion", "Centro de Atención Empresarial"],
    ["/portal/guias", "Guías y videotecas"],
  ]) {
    await abrir(page, ruta);
    await expect(page.getByRole("heading", { level: 1, name: titulo })).toBeVisible();
    await sinViolaciones(page, titulo);
  }
});

test("Generación de contraseña: términos, e.firma con sus errores, solicitud y respuesta", async ({ page }) => {
  const demo = efirmaDemo();
  await ingresar(page, URL_DEMO, PATRON);
  await abrirGeneracion(page, URL_DEMO);
  await expect(page.getByRole("heading", { name: "Términos y condiciones" })).toBeVisible();
  await sinViolaciones(page, "Generación: Términos y condiciones");
  await page.getByLabel("Acepto términos y condiciones").check();
  await sinViolaciones(page, "Generación: Términos aceptados");
  await page.getByRole("button", { name: "Continuar" }).click();
  await expect(page.getByRole("heading", { name: "Validar con Firma electrónica avanzada (e.firma)" })).toBeVisible();
  await sinViolaciones(page, "Generación: e.firma, vacía");

  await validar(page, {});
  await expect(alerta(page)).toHaveText("Adjunta el archivo .CER y el archivo .KEY de tu e.firma.");
  await sinViolaciones(page, "Generación: e.firma, sin archivos");
  await validar(page, { ...demo.par("fiel"), contrasena: `${demo.contrasena}x` });
  await expect(alerta(page)).toHaveText("La contraseña de la clave privada es incorrecta. Verifícala e inténtalo de nuevo.");
  await expect(page.locator("#archivo-cer-nombre")).toHaveText("fiel.cer");
  await sinViolaciones(page, "Generación: e.firma, contraseña incorrecta, archivos elegidos");

  await validar(page, { contrasena: demo.contrasena });
  await expect(page.getByRole("heading", { name: "Solicitud de trámite" })).toBeVisible();
  await sinViolaciones(page, "Generación: Solicitud de trámite");
  await page.locator(".cadena-original summary").click();
  await expect(page.locator(".cadena-original code")).toBeVisible();
  await sinViolaciones(page, "Generación: Solicitud de trámite con la cadena original abierta");
  await page.getByRole("button", { name: "Continuar" }).click();
  await expect(page.getByRole("heading", { name: "Respuesta firmada electrónicamente" })).toBeVisible();
  folio = (await page.locator("#folio-emitido").textContent())!.trim();
  await sinViolaciones(page, "Generación: Respuesta firmada electrónicamente");

  await abrir(page, `/acuses/verificar?folio=${folio}`);
  await expect(page.getByRole("heading", { name: "Acuse válido" })).toBeVisible();
  await sinViolaciones(page, "verificación de acuses, acuse válido");
});

test("contraseña activa: reemplazo, aviso de cancelación, recuperación con captcha y cancelación", async ({ page }) => {
  await ingresar(page, URL_DEMO, PATRON);
  await abrirGeneracion(page, URL_DEMO);
  await expect(page.locator("#folio-activo")).toHaveText(folio);
  await sinViolaciones(page, "contraseña activa");
  await page.getByRole("button", { name: "Generar una nueva contraseña" }).click();
  await expect(page.getByText(`la actual (folio ${folio}) dejará de funcionar`)).toBeVisible();
  await sinViolaciones(page, "contraseña activa, aviso de reemplazo");
  await page.getByRole("button", { name: "Continuar" }).click();
  await expect(page.getByText(`Estás generando una contraseña que reemplazará la del folio ${folio}.`)).toBeVisible();
  await sinViolaciones(page, "Generación de una contraseña que reemplaza la activa");
  await abrirGeneracion(page, URL_DEMO);

  // Cancelación: the warning dialog.
  const dialogo = page.getByRole("dialog", { name: "Cancelar contraseña" });
  await page.getByRole("button", { name: "Cancelar contraseña" }).click();
  await expect(dialogo).toBeVisible();
  await sinViolaciones(page, "Cancelación: aviso abierto");
  await dialogo.getByRole("button", { name: "Regresar" }).click();
  await expect(dialogo).toBeHidden();

  // Recuperación: captcha, a wrong answer, the code by email, the recovered password.
  await page.getByRole("button", { name: "Recuperar contraseña" }).click();
  await expect(page.locator("#imagen-captcha")).toBeVisible();
  await sinViolaciones(page, "Recuperación: captcha");
  const campo = page.getByLabel("Escribe el captcha que se muestra en la pantalla");
  await page.getByRole("button", { name: "Continuar" }).click();
  await expect(alerta(page)).toBeVisible();
  await sinViolaciones(page, "Recuperación: captcha sin respuesta");
  await expect(page.locator("#imagen-captcha")).toBeVisible();
  await campo.fill("ZZZZZZ");
  await page.getByRole("button", { name: "Continuar" }).click();
  await expect(alerta(page)).toHaveText("El texto no coincide con el captcha. Escribe el de la nueva imagen.");
  await expect(page.locator("#imagen-captcha")).toBeVisible();
  await sinViolaciones(page, "Recuperación: captcha incorrecto");
  await page.getByRole("button", { name: "¿No puedes ver la imagen? Recibe un código en tu correo" }).click();
  await expect(page.getByText("Te enviamos un código de verificación a a***@kemper.example.")).toBeVisible();
  await sinViolaciones(page, "Recuperación: código por correo");
  const correo = await esperarCorreo(PATRON.correo, "Tu código de verificación es:");
  await campo.fill(/Tu código de verificación es: (\S+)/.exec(correo.texto)![1]);
  await page.getByRole("button", { name: "Continuar" }).click();
  await expect(page.getByText("Recibirás un correo electrónico con la contraseña")).toBeVisible();
  await sinViolaciones(page, "Recuperación: contraseña recuperada");

  // Cancelación: Aceptar.
  await abrirGeneracion(page, URL_DEMO);
  await page.getByRole("button", { name: "Cancelar contraseña" }).click();
  await dialogo.getByRole("button", { name: "Aceptar" }).click();
  await expect(page.getByRole("heading", { name: "Contraseña cancelada" })).toBeVisible();
  await sinViolaciones(page, "Cancelación: contraseña cancelada");
});

test("Certificación (Desarrolladores): contraseña de desarrollador y productos", async ({ page }) => {
  const demo = efirmaDemo();
  await ingresar(page, URL_DEMO, DESARROLLADOR);
  await abrir(page, `${TAB}/certificacion`);
  await expect(page.getByRole("heading", { level: 2, name: "Certificación (Desarrolladores)" })).toBeVisible();
  await sinViolaciones(page, "Certificación: términos y productos, sin productos");
  await page.getByRole("button", { name: "Registrar producto" }).click();
  await expect(alerta(page)).toHaveText("Escribe el nombre del producto (hasta 80 caracteres).");
  await sinViolaciones(page, "Certificación: producto sin datos");
  await aceptarTerminos(page);
  await sinViolaciones(page, "Certificación: e.firma");
  await validar(page, { ...demo.par("fiel"), contrasena: demo.contrasena });
  await expect(page.getByRole("heading", { name: "Solicitud de trámite" })).toBeVisible();
  await sinViolaciones(page, "Certificación: Solicitud de trámite");
  await page.getByRole("button", { name: "Continuar" }).click();
  await expect(page.getByRole("heading", { name: "Respuesta firmada electrónicamente" })).toBeVisible();
  await sinViolaciones(page, "Certificación: Respuesta firmada electrónicamente");

  await abrir(page, `${TAB}/certificacion`);
  await page.getByLabel("Nombre del producto").fill("NomAccesible");
  await page.getByLabel("Versión").fill("1.0");
  await page.getByLabel("Contacto (correo electrónico o teléfono)").fill("soporte@kemper.example");
  await page.getByRole("button", { name: "Registrar producto" }).click();
  const fila = page.locator("#tabla-productos tbody tr", { hasText: "NomAccesible" });
  await expect(fila).toBeVisible();
  await sinViolaciones(page, "Certificación: producto registrado");
  await fila.getByRole("button", { name: "Solicitar certificación" }).click();
  await expect(fila).toContainText("Certificación solicitada");
  await sinViolaciones(page, "Certificación: certificación solicitada");
});

test("Relaciones de confianza: búsqueda, sus errores, firma y revocación", async ({ page }) => {
  const demo = efirmaDemo();
  await ingresar(page, URL_DEMO, PATRON);
  await abrir(page, `${TAB}/relaciones-de-confianza`);
  await expect(page.getByText("Aún no autorizas a ningún desarrollador.")).toBeVisible();
  await sinViolaciones(page, "Relaciones de confianza, vacía");
  const rfc = page.getByLabel("RFC del desarrollador");
  const buscar = page.getByRole("button", { name: "Buscar productos certificados" });
  await rfc.fill("XAXX010101000");
  await buscar.click();
  await expect(alerta(page)).toContainText("No hay un desarrollador con contraseña activa y RFC XAXX010101000.");
  await sinViolaciones(page, "Relaciones de confianza, desarrollador desconocido");
  await rfc.fill("EKU9003173C9");
  await buscar.click();
  await expect(alerta(page)).toHaveText("El desarrollador con RFC EKU9003173C9 aún no tiene productos certificados por el Instituto.");
  await sinViolaciones(page, "Relaciones de confianza, sin productos certificados");

  const id = cli("demo", ["certificacion", "pendientes"]).salida.split("\n").find((l) => l.includes("NomAccesible 1.0"))!.split("\t")[0];
  expect(cli("demo", ["certificacion", "aprobar", "--producto", id]).codigo).toBe(0);
  await buscar.click();
  await expect(page.getByRole("group", { name: "Producto certificado de EKU9003173C9" })).toBeVisible();
  await sinViolaciones(page, "Relaciones de confianza, productos certificados");
  await page.getByLabel("Adjunta el archivo .CER: *").setInputFiles(demo.cer);
  await page.getByLabel("Adjunta el archivo .KEY: *").setInputFiles(demo.key);
  await page.getByLabel("Contraseña de la Firma electrónica avanzada: *").fill(`${demo.contrasena}x`);
  await page.getByRole("button", { name: "Firmar y agregar" }).click();
  await expect(alerta(page)).toHaveText("La contraseña de la clave privada es incorrecta. Verifícala e inténtalo de nuevo.");
  await sinViolaciones(page, "Relaciones de confianza, contraseña de la e.firma incorrecta");
  await page.getByLabel("Contraseña de la Firma electrónica avanzada: *").fill(demo.contrasena);
  await page.getByRole("button", { name: "Firmar y agregar" }).click();
  await expect(page.getByText("como desarrollador de confianza.")).toBeVisible();
  await expect(page.locator("#tabla-relaciones")).toBeVisible();
  await sinViolaciones(page, "Relaciones de confianza, relación agregada");
  await page.locator("#tabla-relaciones").getByRole("button", { name: /Revocar/ }).first().click();
  const dialogo = page.getByRole("dialog", { name: "Revocar relación de confianza" });
  await expect(dialogo).toBeVisible();
  await sinViolaciones(page, "Relaciones de confianza, aviso de revocación");
  await dialogo.getByRole("button", { name: "Aceptar" }).click();
  await expect(dialogo).toBeHidden();
  await sinViolaciones(page, "Relaciones de confianza, relación revocada");
});

test("a 390 px de ancho (teléfono): ingresar, escritorio, términos y la e.firma con su error", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await abrir(page, "/ingresar");
  await sinViolaciones(page, "ingresar, a 390 px");
  await ingresar(page, URL_DEMO, PATRON);
  await sinViolaciones(page, "escritorio, a 390 px");
  // The credential was cancelled above: the tab starts at the Terms.
  await abrirGeneracion(page, URL_DEMO);
  await expect(page.getByRole("heading", { name: "Términos y condiciones" })).toBeVisible();
  await sinViolaciones(page, "Generación: Términos y condiciones, a 390 px");
  await page.getByLabel("Acepto términos y condiciones").check();
  await page.getByRole("button", { name: "Continuar" }).click();
  await validar(page, {});
  await expect(alerta(page)).toHaveText("Adjunta el archivo .CER y el archivo .KEY de tu e.firma.");
  await sinViolaciones(page, "Generación: e.firma sin archivos, a 390 px");
});
