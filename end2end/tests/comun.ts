// Shared by the end-to-end specs: signing in, the Generación tab's steps, the suite's SMTP
// mailbox (smtp.mjs writes what it receives to .correos/), and the operator CLI.
import { expect, type Page } from "@playwright/test";
import { simpleParser } from "mailparser";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

export const RAIZ = resolve(__dirname, "..", "..");
export const E2E = resolve(__dirname, "..");
export const FIXTURES = resolve(RAIZ, "..", "shared", "fixtures", "sat");
export const BIN = join(process.env.CARGO_TARGET_DIR ?? join(RAIZ, "target"), "release", "intercomunicacion");

export const PUERTO_DEMO = Number(process.env.E2E_PUERTO ?? 3100);
export const PUERTO_SAT = PUERTO_DEMO + 1;
export const URL_DEMO = `http://localhost:${PUERTO_DEMO}`;
export const URL_SAT = `http://localhost:${PUERTO_SAT}`;
export const URL_DEFECTO = `http://localhost:${PUERTO_DEMO + 2}`;

export const PATRON = { nrp: "Y5412345108", correo: "nomina@kemper.example", contrasena: "Kemper-Portal-2026" };
export const OTRO_PATRON = { nrp: "B1234567890", correo: "rh@accem.example", contrasena: "Accem-Portal-2026" };
export const TAB = "/portal/mis-tramites/servicios-de-intercomunicacion";

export type Perfil = "demo" | "sat" | "defecto";
export const datosDe = (perfil: Perfil) => join(E2E, ".datos", perfil);

/// The demo e.firma the server generated in its data directory, and its password.
export function efirmaDemo(perfil: Perfil = "demo") {
  const carpeta = join(datosDe(perfil), "demo", "efirma");
  const leeme = readFileSync(join(datosDe(perfil), "demo", "LEEME.txt"), "utf8");
  const contrasena = /Contraseña de la e\.firma: (\S+)/.exec(leeme)?.[1];
  if (!contrasena) throw new Error("LEEME.txt sin contraseña de la e.firma");
  const par = (nombre: string) => ({ cer: join(carpeta, `${nombre}.cer`), key: join(carpeta, `${nombre}.key`) });
  return { carpeta, contrasena, ...par("fiel"), par };
}

export const FIEL_SAT = {
  cer: join(FIXTURES, "EKU9003173C9", "fiel.cer"),
  key: join(FIXTURES, "EKU9003173C9", "fiel.key"),
  contrasena: "12345678a",
};

export async function ingresar(page: Page, base: string, datos = PATRON) {
  await page.goto(`${base}/ingresar`);
  await expect(page.locator("body[data-hidratado]")).toBeAttached();
  await page.getByLabel("Número de Registro Patronal (NRP)").fill(datos.nrp);
  await page.getByLabel("Correo electrónico").fill(datos.correo);
  await page.getByLabel("Contraseña", { exact: true }).fill(datos.contrasena);
  await page.getByRole("button", { name: "Entrar" }).click();
  await expect(page).toHaveURL(/\/portal\/escritorio$/);
}

export async function abrirGeneracion(page: Page, base: string) {
  await page.goto(`${base}${TAB}`);
  await expect(page.locator("body[data-hidratado]")).toBeAttached();
  await expect(page.getByRole("heading", { level: 2, name: "Generación de contraseña" })).toBeVisible();
}

/// Image 5: read the Terms, tick the box, Continuar.
export async function aceptarTerminos(page: Page) {
  const continuar = page.getByRole("button", { name: "Continuar" });
  await expect(page.getByRole("heading", { name: "Términos y condiciones" })).toBeVisible();
  await expect(continuar).toBeDisabled();
  await page.getByLabel("Acepto términos y condiciones").check();
  await expect(continuar).toBeEnabled();
  await continuar.click();
  await expect(page.getByRole("heading", { name: "Validar con Firma electrónica avanzada (e.firma)" })).toBeVisible();
}

type Archivo = string | { name: string; mimeType: string; buffer: Buffer };

/// Image 6: attach the files, type the password, Validar.
export async function validar(page: Page, e: { cer?: Archivo; key?: Archivo; contrasena?: string }) {
  if (e.cer) await page.getByLabel("Adjunta el archivo .CER: *").setInputFiles(e.cer);
  if (e.key) await page.getByLabel("Adjunta el archivo .KEY: *").setInputFiles(e.key);
  if (e.contrasena !== undefined)
    await page.getByLabel("Contraseña de la Firma electrónica avanzada: *").fill(e.contrasena);
  await page.getByRole("button", { name: "Validar" }).click();
}

export async function errorEnPantalla(page: Page, mensaje: string) {
  await expect(page.getByRole("alert")).toHaveText(mensaje);
  await expect(page.getByRole("button", { name: "Validar" })).toBeEnabled();
}

export interface Correo {
  para: string[];
  asunto: string;
  texto: string;
  archivo: string;
}

export function correos(): Correo[] {
  const carpeta = join(E2E, ".correos");
  if (!existsSync(carpeta)) return [];
  return readdirSync(carpeta)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const sobre = JSON.parse(readFileSync(join(carpeta, f), "utf8"));
      return { para: sobre.para, asunto: "", texto: "", archivo: join(carpeta, f.replace(/\.json$/, ".eml")) };
    });
}

/// The emails to `para` the SMTP server received whose text contains `contiene`, oldest first.
export async function correosCon(para: string, contiene: string): Promise<Correo[]> {
  const hallados: Correo[] = [];
  for (const c of correos().filter((c) => c.para.includes(para))) {
    const mensaje = await simpleParser(readFileSync(c.archivo));
    const texto = mensaje.text ?? "";
    if (texto.includes(contiene)) hallados.push({ ...c, asunto: mensaje.subject ?? "", texto });
  }
  return hallados;
}

/// Waits for the email to `para` whose text contains `contiene`, as the SMTP server received it.
export async function esperarCorreo(para: string, contiene: string, limiteMs = 30_000): Promise<Correo> {
  const fin = Date.now() + limiteMs;
  while (Date.now() < fin) {
    const [correo] = await correosCon(para, contiene);
    if (correo) return correo;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no llegó el correo a ${para} con «${contiene}»`);
}

/// Waits until a profile's outbox has nothing left to deliver to `para`.
export async function buzonDeSalidaVacio(perfil: Perfil, para: string, limiteMs = 30_000) {
  const fin = Date.now() + limiteMs;
  while (Number(sql(perfil, `SELECT count(*) FROM correos WHERE destinatario = '${para}' AND estado = 'pendiente'`)) > 0) {
    if (Date.now() > fin) throw new Error(`quedan correos por entregar a ${para}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/// Waits for the email whose text contains `contiene` in a profile's local mailbox folder
/// (`<datos>/buzon/*.eml`, where the server delivers when no SMTP server is configured).
export async function esperarCorreoEnBuzon(perfil: Perfil, contiene: string, limiteMs = 30_000): Promise<Correo> {
  const carpeta = join(datosDe(perfil), "buzon");
  const fin = Date.now() + limiteMs;
  while (Date.now() < fin) {
    const archivos = existsSync(carpeta) ? readdirSync(carpeta).filter((f) => f.endsWith(".eml")).sort() : [];
    for (const f of archivos) {
      const mensaje = await simpleParser(readFileSync(join(carpeta, f)));
      const texto = mensaje.text ?? "";
      const para = [mensaje.to].flat().flatMap((d) => d?.value ?? []).map((a) => a.address ?? "");
      if (texto.includes(contiene)) return { para, asunto: mensaje.subject ?? "", texto, archivo: join(carpeta, f) };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no llegó al buzón de ${perfil} un correo con «${contiene}»`);
}

/// The operator CLI against a profile's data directory.
export function cli(perfil: Perfil, args: string[], entrada?: string) {
  const r = spawnSync(BIN, args, {
    env: { ...process.env, INTERCOM_DATOS: datosDe(perfil), RUST_LOG: "warn" },
    input: entrada,
    encoding: "utf8",
  });
  return { codigo: r.status, salida: r.stdout, error: r.stderr };
}

/// Registers a portal account with the operator CLI. An account left by an earlier attempt of the
/// same file (Playwright retries a serial group from its start) is fine: the CLI refuses to
/// register an NRP twice, and says so.
export function altaCuenta(
  perfil: Perfil,
  c: { nrp: string; correo: string; contrasena: string },
  rfc = "EKU9003173C9",
  razonSocial = "ESCUELA KEMPER URGATE SA DE CV",
) {
  const r = cli(perfil, ["cuentas", "alta", "--nrp", c.nrp, "--rfc", rfc, "--razon-social", razonSocial,
    "--correo", c.correo, "--contrasena-stdin"], `${c.contrasena}\n`);
  if (r.codigo !== 0) expect(r.error, r.error).toContain(`Ya existe una cuenta con el NRP ${c.nrp}.`);
}

/// Runs SQL on a profile's SQLite database (python3's sqlite3, standard on Debian).
export function sql(perfil: Perfil, consulta: string): string {
  const r = spawnSync(
    "python3",
    ["-c", "import sqlite3,sys;c=sqlite3.connect(sys.argv[1]);r=c.execute(sys.argv[2]).fetchall();c.commit();print('\\n'.join('|'.join(map(str,f)) for f in r))",
      join(datosDe(perfil), "intercomunicacion.db"), consulta],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

/// The CSRF token the server rendered into the current page.
export async function tokenCsrf(page: Page) {
  return page.locator('meta[name="csrf-token"]').getAttribute("content");
}

/// Image 7 → 8: Continuar signs the Solicitud; returns the folio of "Respuesta firmada
/// electrónicamente".
export async function firmarSolicitud(page: Page): Promise<string> {
  await page.getByRole("button", { name: "Continuar" }).click();
  await expect(page.getByRole("heading", { name: "Respuesta firmada electrónicamente" })).toBeVisible();
  return (await page.locator("#folio-emitido").textContent())!.trim();
}

/// Downloads the acuse from its link (named by folio); returns the downloaded file's path.
export async function descargarAcuse(page: Page, folio: string): Promise<string> {
  const [descarga] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: `acuse-${folio}.pdf` }).click(),
  ]);
  expect(descarga.suggestedFilename()).toBe(`acuse-${folio}.pdf`);
  return descarga.path();
}

/// The whole generation with the demo e.firma for the signed-in account (demo server); returns
/// the folio and the password read from the email the SMTP server received.
export async function generarConEfirmaDemo(page: Page, correo: string) {
  const demo = efirmaDemo();
  await abrirGeneracion(page, URL_DEMO);
  await aceptarTerminos(page);
  await validar(page, { ...demo.par("fiel"), contrasena: demo.contrasena });
  const folio = await firmarSolicitud(page);
  const mensaje = await esperarCorreo(correo, `FOLIO: ${folio}`);
  const contrasena = /La contraseña generada es: (\S+)/.exec(mensaje.texto)?.[1] ?? "";
  return { folio, contrasena };
}

/// Whether `contrasena` is the NRP's active credential, per the operator CLI.
export function credencialValida(perfil: Perfil, nrp: string, contrasena: string) {
  const r = cli(perfil, ["credenciales", "verificar", "--nrp", nrp, "--contrasena-stdin"], `${contrasena}\n`);
  if (r.codigo !== 0 && r.codigo !== 1) throw new Error(r.error);
  return r.codigo === 0;
}
