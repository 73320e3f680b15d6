import { expect, test, type Page, type Request } from "@playwright/test";
import { createPrivateKey, pbkdf2Sync } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  FIEL_SAT, OTRO_PATRON, PATRON, URL_DEMO, URL_SAT,
  abrirGeneracion, aceptarTerminos, altaCuenta, buzonDeSalidaVacio, cli, correos, correosCon, descargarAcuse,
  efirmaDemo, errorEnPantalla, esperarCorreo, esperarCorreoEnBuzon, firmarSolicitud, ingresar, sql, tokenCsrf,
  validar,
} from "./comun";
import { comprobarAcuse } from "./acuse";

// Guide §2 "Generación de la contraseña", in Debian's chromium against the real server: the
// e.firma is read, decrypted and used only inside the browser; the password arrives by email
// through a real SMTP server on loopback; the acuse is a PDF whose two sellos verify.

test.describe.configure({ mode: "serial" });

const MENSAJES = {
  faltan: "Adjunta el archivo .CER y el archivo .KEY de tu e.firma.",
  sinContrasena: "Escribe la contraseña de la Firma electrónica avanzada.",
  keyComoCer: "Adjuntaste la clave privada (.KEY) donde va el certificado (.CER). Revisa qué archivo va en cada campo.",
  cerComoKey: "Adjuntaste el certificado (.CER) donde va la clave privada (.KEY). Revisa qué archivo va en cada campo.",
  basuraCer: "El archivo no es un certificado válido. Elige el archivo .cer de tu e.firma.",
  basuraKey: "El archivo no es una clave privada válida. Elige el archivo .key de tu e.firma.",
  grande: "El archivo .CER pesa más de 64 KB: no es un archivo de e.firma. Elige el archivo .CER que te entregó el SAT.",
  grandeKey: "El archivo .KEY pesa más de 64 KB: no es un archivo de e.firma. Elige el archivo .KEY que te entregó el SAT.",
  vaciaKey: "El archivo .KEY está vacío. Elige el archivo .KEY de tu e.firma.",
  contrasena: "La contraseña de la clave privada es incorrecta. Verifícala e inténtalo de nuevo.",
  noCorresponde: "La clave privada (.key) no corresponde al certificado (.cer). Elige los dos archivos de la misma e.firma.",
  csd: "El certificado es un Certificado de Sello Digital (CSD), no una e.firma. Usa el .cer de tu e.firma.",
  vencida: "Tu e.firma está vencida. Renuévala en el SAT e inténtalo de nuevo.",
  aunNo: "Tu e.firma todavía no está vigente. Inténtalo de nuevo cuando inicie su vigencia.",
  emisor: "El certificado no fue emitido por una autoridad certificadora del SAT reconocida.",
  revocada: "Tu e.firma fue revocada. Tramita una nueva en el SAT.",
  otroRfc: "La e.firma pertenece al RFC EKU9003173C9, que no es el de tu cuenta (AAA010101AAA). Usa la e.firma de la empresa.",
  caducada: "La validación tardó demasiado y caducó. Vuelve a dar clic en Validar.",
  usada: "Esta validación ya se usó. Vuelve a dar clic en Validar.",
  ajena: "La validación no corresponde a esta sesión. Vuelve a dar clic en Validar.",
  noSeFirmo: "El documento a firmar no corresponde a los Términos y condiciones mostrados; no se firmó nada. Vuelve a iniciar el trámite.",
  alterado: "Lo firmado no coincide con los Términos y condiciones que se te mostraron; no se emitió ninguna contraseña. Vuelve a iniciar el trámite.",
  terminos: "Para continuar debes leer los Términos y condiciones y marcar la casilla Acepto términos y condiciones.",
};

const credencialesDe = (perfil: "demo" | "sat", nrp: string) =>
  Number(sql(perfil, `SELECT count(*) FROM credenciales c JOIN cuentas a ON a.id = c.cuenta_id WHERE a.nrp = '${nrp}'`));

/// Every request the page sends (URL, headers, body), for the privacy property.
function grabarPeticiones(page: Page) {
  const peticiones: Promise<Peticion>[] = [];
  page.on("request", (r: Request) => {
    peticiones.push(r.allHeaders().then((cabeceras) => ({
      url: r.url(), cabeceras, cuerpo: r.postDataBuffer() ?? Buffer.alloc(0),
    })));
  });
  return peticiones;
}

interface Peticion { url: string; cabeceras: Record<string, string>; cuerpo: Buffer }

/// The private parts of the key (d, p, q, dp, dq, qi), decrypted here by Node's OpenSSL: what
/// the browser holds after opening the .key must not leave it either. (The modulus and public
/// exponent are in the certificate, which is sent on purpose.)
function partesPrivadas(key: string, contrasena: string): Buffer[] {
  const llave = createPrivateKey({ key: readFileSync(key), format: "der", type: "pkcs8", passphrase: contrasena });
  const jwk = llave.export({ format: "jwk" });
  const partes = [jwk.d, jwk.p, jwk.q, jwk.dp, jwk.dq, jwk.qi].map((b64) => Buffer.from(b64 ?? "", "base64url"));
  for (const p of partes) expect(p.length).toBeGreaterThan(100);
  return partes;
}

/// Every way a piece of `datos` could travel in a request: 48-byte windows every 24 bytes, at each
/// of base64's three alignments (so the base64 of ANY stretch of 75 bytes or more contains one of
/// them whole), as raw bytes, base64, base64url and hex.
function huellasDe(datos: Buffer): { texto: string[]; bytes: Buffer[] } {
  const texto: string[] = [];
  const bytes: Buffer[] = [];
  for (let o = 0; o + 48 + 2 <= datos.length; o += 24) {
    for (let a = 0; a < 3; a++) {
      const v = datos.subarray(o + a, o + a + 48);
      bytes.push(v);
      texto.push(v.toString("base64"), v.toString("base64url"), v.toString("hex"), v.toString("hex").toUpperCase());
    }
  }
  return { texto, bytes };
}

/// A request as text in each form a secret could hide in it: as sent, without whitespace (PEM,
/// folded lines), URL-decoded (forms, query strings).
function formasDe(texto: string): string[] {
  const formas = [texto, texto.replace(/\s+/g, "")];
  try {
    formas.push(decodeURIComponent(texto.replace(/\+/g, " ")));
  } catch {
    // not URL-encoded
  }
  return formas;
}

/// The .key's cipher key as the browser derives it with WebCrypto's PBKDF2 (issue 12): the salt
/// and iteration count read from the file's PBKDF2-params (after the PBKDF2 OID), HMAC-SHA1, 24
/// bytes for des-ede3-cbc. It must not leave the browser either.
export function llaveDerivada(key: string, contrasena: string): Buffer {
  const der = readFileSync(key);
  const oid = Buffer.from("06092a864886f70d01050c", "hex"); // 1.2.840.113549.1.5.12
  let i = der.indexOf(oid) + oid.length;
  expect(i).toBeGreaterThan(oid.length);
  expect(der[i]).toBe(0x30); // PBKDF2-params ::= SEQUENCE
  i += der[i + 1] & 0x80 ? 2 + (der[i + 1] & 0x7f) : 2;
  expect(der[i]).toBe(0x04); // salt OCTET STRING
  const sal = der.subarray(i + 2, i + 2 + der[i + 1]);
  i += 2 + der[i + 1];
  expect(der[i]).toBe(0x02); // iterationCount INTEGER
  const iteraciones = der.subarray(i + 2, i + 2 + der[i + 1]).reduce((n, b) => n * 256 + b, 0);
  expect(iteraciones).toBeGreaterThan(0);
  return pbkdf2Sync(contrasena, sal, iteraciones, 24, "sha1");
}

async function afirmarQueNoSalio(
  grabadas: Promise<Peticion>[],
  efirma: { key: string; contrasena: string },
  consola: string[] = [],
) {
  // The derived key, whole, in every encoding, in requests and in the console.
  const derivada = llaveDerivada(efirma.key, efirma.contrasena);
  const derivadas = [derivada.toString("base64"), derivada.toString("base64url"), derivada.toString("hex"),
    derivada.toString("hex").toUpperCase(), [...derivada].join(",")];
  for (const linea of consola) {
    for (const secreto of [efirma.contrasena, ...derivadas])
      expect(linea.includes(secreto), `un secreto salió en la consola: ${linea}`).toBe(false);
  }
  const llaves = [readFileSync(efirma.key), ...partesPrivadas(efirma.key, efirma.contrasena)].map(huellasDe);
  // The net catches a fragment: 80 bytes of the .key from an odd offset, base64-encoded after one
  // byte of something else (so at an alignment of its own), and the private exponent as a JWK.
  const archivo = readFileSync(efirma.key);
  const fragmento = Buffer.concat([Buffer.from("x"), archivo.subarray(101, 181)]).toString("base64");
  expect(llaves[0].texto.some((h) => fragmento.includes(h))).toBe(true);
  const d = partesPrivadas(efirma.key, efirma.contrasena)[0].toString("base64url");
  expect(llaves[1].texto.some((h) => `{"d":"${d}"}`.includes(h))).toBe(true);
  const c = efirma.contrasena;
  const contrasenas = [c, encodeURIComponent(c), Buffer.from(c).toString("base64"), Buffer.from(c).toString("hex")];
  const peticiones = await Promise.all(grabadas);
  expect(peticiones.length).toBeGreaterThan(5);
  for (const { url, cabeceras, cuerpo } of peticiones) {
    const textos = [url, ...Object.values(cabeceras), cuerpo.toString("latin1")].flatMap(formasDe);
    const contrasena = contrasenas.find((h) => textos.some((t) => t.includes(h)));
    expect(contrasena, `la contraseña de la e.firma salió en ${url}`).toBeUndefined();
    const enTexto = llaves.flatMap((l) => l.texto).find((h) => textos.some((t) => t.includes(h)));
    expect(enTexto, `la llave privada salió en ${url}`).toBeUndefined();
    const enBytes = llaves.flatMap((l) => l.bytes).find((v) => cuerpo.includes(v));
    expect(enBytes, `bytes de la llave privada en ${url}`).toBeUndefined();
    expect(derivadas.find((h) => textos.some((t) => t.includes(h))), `la llave derivada salió en ${url}`).toBeUndefined();
    expect(cuerpo.includes(derivada), `bytes de la llave derivada en ${url}`).toBe(false);
  }
  // Nor any piece of the .key or of the decrypted key in the console.
  const enConsola = llaves.flatMap((l) => l.texto).find((h) => consola.some((linea) => linea.includes(h)));
  expect(enConsola, "la llave privada salió en la consola").toBeUndefined();
}

/// What the browser keeps: web storage, IndexedDB and cookies (name=value).
async function almacenamiento(page: Page) {
  const guardado = await page.evaluate(async () => ({
    local: localStorage.length,
    sesion: sessionStorage.length,
    indexeddb: (await indexedDB.databases()).length,
  }));
  const galletas = (await page.context().cookies()).map((g) => `${g.name}=${g.value}`).sort();
  return { ...guardado, galletas };
}

/// "27/11/2026 05:00": a Unix time in Mexico City (UTC-06:00 all year since 2022), as the tab
/// and the acuse write it.
function fechaCdmx(unix: number): string {
  const f = new Date((unix - 6 * 3600) * 1000);
  const dos = (n: number) => String(n).padStart(2, "0");
  return `${dos(f.getUTCDate())}/${dos(f.getUTCMonth() + 1)}/${f.getUTCFullYear()} ${dos(f.getUTCHours())}:${dos(f.getUTCMinutes())}`;
}

test("cada entrada inaceptable recibe su mensaje y nada se emite", async ({ page }) => {
  const demo = efirmaDemo();
  // Audit rows written by this attempt only (a retried run must not count the first one's).
  const desde = Number(sql("demo", "SELECT coalesce(max(id), 0) FROM auditoria"));
  await ingresar(page, URL_DEMO);
  await abrirGeneracion(page, URL_DEMO);
  // No credential yet: nothing to cancel or recover.
  for (const boton of ["Cancelar contraseña", "Recuperar contraseña"])
    await expect(page.getByRole("button", { name: boton })).toHaveCount(0);
  await aceptarTerminos(page);
  await expect(page.getByText("* Campos obligatorios")).toBeVisible();
  await expect(page.getByRole("link", { name: "Guía de usuario - Generación de contraseña" })).toHaveAttribute(
    "href", "/guias/generacion-de-contrasena");

  await validar(page, {});
  await errorEnPantalla(page, MENSAJES.faltan);
  // One file of the two.
  await validar(page, { cer: demo.cer, contrasena: demo.contrasena });
  await errorEnPantalla(page, MENSAJES.faltan);
  await page.getByLabel("Adjunta el archivo .CER: *").setInputFiles([]);
  await validar(page, { key: demo.key });
  await errorEnPantalla(page, MENSAJES.faltan);
  await validar(page, { cer: demo.cer, key: demo.key, contrasena: "" });
  await errorEnPantalla(page, MENSAJES.sinContrasena);
  await validar(page, { cer: demo.key, key: demo.key, contrasena: demo.contrasena });
  await errorEnPantalla(page, MENSAJES.keyComoCer);
  await validar(page, { cer: demo.cer, key: demo.cer });
  await errorEnPantalla(page, MENSAJES.cerComoKey);
  const basura = { name: "basura.cer", mimeType: "application/octet-stream", buffer: Buffer.from("esto no es un certificado".repeat(20)) };
  await validar(page, { cer: basura, key: demo.key });
  await errorEnPantalla(page, MENSAJES.basuraCer);
  await validar(page, { cer: demo.cer, key: { ...basura, name: "basura.key" } });
  await errorEnPantalla(page, MENSAJES.basuraKey);
  const grande = { name: "grande.cer", mimeType: "application/octet-stream", buffer: Buffer.alloc(64 * 1024 + 1, 0x30) };
  await validar(page, { cer: grande, key: demo.key });
  await errorEnPantalla(page, MENSAJES.grande);
  await validar(page, { cer: demo.cer, key: { ...grande, name: "grande.key" } });
  await errorEnPantalla(page, MENSAJES.grandeKey);
  await validar(page, { cer: demo.cer, key: { ...grande, name: "vacia.key", buffer: Buffer.alloc(0) } });
  await errorEnPantalla(page, MENSAJES.vaciaKey);
  await validar(page, { cer: demo.cer, key: demo.key, contrasena: "no-es-la-contraseña" });
  await errorEnPantalla(page, MENSAJES.contrasena);
  await validar(page, { cer: demo.cer, key: demo.par("csd").key, contrasena: demo.contrasena });
  await errorEnPantalla(page, MENSAJES.noCorresponde);
  await validar(page, { ...demo.par("csd"), contrasena: demo.contrasena });
  await errorEnPantalla(page, MENSAJES.csd);
  await validar(page, { ...demo.par("vencida") });
  await errorEnPantalla(page, MENSAJES.vencida);
  await validar(page, { ...demo.par("aun_no_vigente") });
  await errorEnPantalla(page, MENSAJES.aunNo);
  // Checked by the server: chain to the configured anchors, then OCSP with openssl's responder.
  await validar(page, { cer: FIEL_SAT.cer, key: FIEL_SAT.key, contrasena: FIEL_SAT.contrasena });
  await errorEnPantalla(page, MENSAJES.emisor);
  await validar(page, { ...demo.par("revocada"), contrasena: demo.contrasena });
  await errorEnPantalla(page, MENSAJES.revocada);

  // The challenge expires while the browser signs: the server refuses it.
  await page.route("**/api/generacion/validar", async (ruta) => {
    sql("demo", "UPDATE retos SET expira = 0");
    await ruta.continue();
  });
  await validar(page, { ...demo.par("fiel"), contrasena: demo.contrasena });
  await errorEnPantalla(page, MENSAJES.caducada);
  await page.unroute("**/api/generacion/validar");

  // Terms not accepted: the server refuses a challenge without the acceptance.
  const sinAceptar = await page.request.post(`${URL_DEMO}/api/generacion/reto`, {
    form: { no_certificado: "30001000000500003415" },
    headers: { "x-csrf-token": (await tokenCsrf(page)) ?? "" },
  });
  expect(sinAceptar.status()).toBe(422);
  expect((await sinAceptar.json()).mensaje).toBe(MENSAJES.terminos);

  expect(credencialesDe("demo", PATRON.nrp)).toBe(0);
  expect(correos().filter((c) => c.para.includes(PATRON.correo))).toEqual([]);
  const rechazos = sql("demo", `SELECT detalle FROM auditoria WHERE evento = 'efirma_rechazada' AND id > ${desde} ORDER BY id`).split("\n");
  expect(rechazos).toEqual(["emisor_no_confiable", "certificado_revocado", "reto_vencido"]);

  // The guide the form links to opens.
  await page.getByRole("link", { name: "Guía de usuario - Generación de contraseña" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(
    "Guía de usuario para la generación de contraseña de los Servicios de Intercomunicación");
  await expect(page.getByRole("heading", { name: "2. Generación de la contraseña" })).toBeVisible();
});

/// Signed in to the demo server, the Generación tab open and its Terms accepted: the e.firma form.
async function hastaLaEfirma(page: Page) {
  await ingresar(page, URL_DEMO);
  await abrirGeneracion(page, URL_DEMO);
  await aceptarTerminos(page);
  return efirmaDemo();
}

test("los campos de la e.firma como en la guía: Examinar y el nombre del archivo elegido", async ({ page }) => {
  // Listening for the picker before anything else: Playwright intercepts pickers only once a
  // listener exists, and one added at the click can miss it on a loaded machine.
  const selectorAbierto = page.waitForEvent("filechooser");
  const demo = await hastaLaEfirma(page);
  for (const [campo, id] of [[".CER", "archivo-cer"], [".KEY", "archivo-key"]] as const) {
    const entrada = page.getByLabel(`Adjunta el archivo ${campo}: *`);
    await expect(entrada).toHaveAttribute("type", "file");
    await expect(page.locator(`#${id} + .archivo-boton`)).toHaveText("Examinar");
    await expect(page.locator(`#${id}-nombre`)).toHaveText("Ningún archivo seleccionado");
    // The name shown is the input's description for screen readers.
    await expect(entrada).toHaveAttribute("aria-describedby", `${id}-nombre`);
  }
  // SAT's .key is never hidden by the picker (macOS maps .key to Keynote): no accept there.
  await expect(page.locator("#archivo-key")).not.toHaveAttribute("accept", /./);
  await expect(page.locator("#archivo-cer")).toHaveAttribute("accept", /\.cer/);
  // A click where Examinar is drawn opens the picker of its field (the input lies over it).
  const caja = (await page.locator("#archivo-cer + .archivo-boton").boundingBox())!;
  const [selector] = await Promise.all([
    selectorAbierto,
    page.mouse.click(caja.x + caja.width / 2, caja.y + caja.height / 2),
  ]);
  await selector.setFiles(demo.cer);
  await expect(page.locator("#archivo-cer-nombre")).toHaveText("fiel.cer");
  await page.getByLabel("Adjunta el archivo .KEY: *").setInputFiles(demo.key);
  await expect(page.locator("#archivo-key-nombre")).toHaveText("fiel.key");
  // And it works with the keyboard: Tab reaches the field, Space opens the picker.
  await page.getByLabel("Adjunta el archivo .CER: *").focus();
  const [otro] = await Promise.all([page.waitForEvent("filechooser"), page.keyboard.press("Space")]);
  expect(otro.element()).toBeTruthy();
});

test("soltar los dos archivos a la vez sobre el formulario llena los dos campos", async ({ page }) => {
  const demo = await hastaLaEfirma(page);
  const soltados = await page.evaluateHandle(([cer, key]) => {
    const dt = new DataTransfer();
    // The .KEY first and an unrelated file: each goes where it belongs, the other is left out.
    dt.items.add(new File([new Uint8Array(key)], "FIEL.KEY"));
    dt.items.add(new File(["hola"], "notas.txt"));
    dt.items.add(new File([new Uint8Array(cer)], "fiel.cer"));
    return dt;
  }, [[...readFileSync(demo.cer)], [...readFileSync(demo.key)]]);
  const previo = page.waitForResponse((r) => r.url().endsWith("/api/generacion/reto"));
  await page.locator("#formulario-efirma").dispatchEvent("drop", { dataTransfer: soltados });
  await expect(page.locator("#archivo-cer-nombre")).toHaveText("fiel.cer");
  await expect(page.locator("#archivo-key-nombre")).toHaveText("FIEL.KEY");
  await previo;
  await page.getByLabel("Contraseña de la Firma electrónica avanzada: *").fill(demo.contrasena);
  await page.getByRole("button", { name: "Validar" }).click();
  await expect(page.getByRole("heading", { name: "Solicitud de trámite" })).toBeVisible();
});

test("el reto se pide al elegir el .CER: el clic en Validar envía una sola petición", async ({ page }) => {
  const demo = await hastaLaEfirma(page);
  const previo = page.waitForResponse((r) => r.url().endsWith("/api/generacion/reto"));
  await page.getByLabel("Adjunta el archivo .CER: *").setInputFiles(demo.cer);
  expect((await previo).status()).toBe(200);
  await page.getByLabel("Adjunta el archivo .KEY: *").setInputFiles(demo.key);
  await page.getByLabel("Contraseña de la Firma electrónica avanzada: *").fill(demo.contrasena);
  const tras: string[] = [];
  page.on("request", (r) => { if (r.url().includes("/api/")) tras.push(new URL(r.url()).pathname); });
  await page.getByRole("button", { name: "Validar" }).click();
  await expect(page.getByRole("heading", { name: "Solicitud de trámite" })).toBeVisible();
  expect(tras).toEqual(["/api/generacion/validar"]);
});

test("una contraseña equivocada no gasta el reto pedido; con la correcta, una sola petición", async ({ page }) => {
  const demo = await hastaLaEfirma(page);
  const previo = page.waitForResponse((r) => r.url().endsWith("/api/generacion/reto"));
  await page.getByLabel("Adjunta el archivo .CER: *").setInputFiles(demo.cer);
  await previo;
  await page.getByLabel("Adjunta el archivo .KEY: *").setInputFiles(demo.key);
  const tras: string[] = [];
  page.on("request", (r) => { if (r.url().includes("/api/")) tras.push(new URL(r.url()).pathname); });
  await page.getByLabel("Contraseña de la Firma electrónica avanzada: *").fill(`${demo.contrasena}x`);
  await page.getByRole("button", { name: "Validar" }).click();
  await errorEnPantalla(page, MENSAJES.contrasena);
  expect(tras).toEqual([]);
  // The password with a trailing space (copied from somewhere): opened all the same.
  await page.getByLabel("Contraseña de la Firma electrónica avanzada: *").fill(`${demo.contrasena} `);
  await page.getByRole("button", { name: "Validar" }).click();
  await expect(page.getByRole("heading", { name: "Solicitud de trámite" })).toBeVisible();
  expect(tras).toEqual(["/api/generacion/validar"]);
});

test("un reto firmado no se puede repetir ni usar desde otra sesión", async ({ page, browser }) => {
  const demo = efirmaDemo();
  await ingresar(page, URL_DEMO);
  await abrirGeneracion(page, URL_DEMO);
  await aceptarTerminos(page);
  // Hold the browser's signed challenge, replay it from this session and from another one.
  let cuerpo: string | null = null;
  await page.route("**/api/generacion/validar", async (ruta) => {
    cuerpo = ruta.request().postData();
    await ruta.continue();
  });
  await validar(page, { ...demo.par("fiel"), contrasena: demo.contrasena });
  await expect(page.getByRole("heading", { name: "Solicitud de trámite" })).toBeVisible();
  expect(cuerpo).not.toBeNull();

  const token = (await tokenCsrf(page)) ?? "";
  const repetido = await page.request.post(`${URL_DEMO}/api/generacion/validar`, {
    data: cuerpo!, headers: { "content-type": "application/x-www-form-urlencoded", "x-csrf-token": token },
  });
  expect(repetido.status()).toBe(409);
  expect((await repetido.json()).mensaje).toBe(MENSAJES.usada);

  const otro = await browser.newContext();
  const otraPagina = await otro.newPage();
  await ingresar(otraPagina, URL_DEMO);
  await abrirGeneracion(otraPagina, URL_DEMO);
  const ajeno = await otraPagina.request.post(`${URL_DEMO}/api/generacion/validar`, {
    data: cuerpo!,
    headers: { "content-type": "application/x-www-form-urlencoded", "x-csrf-token": (await tokenCsrf(otraPagina)) ?? "" },
  });
  expect(ajeno.status()).toBe(409);
  expect((await ajeno.json()).mensaje).toBe(MENSAJES.ajena);
  await otro.close();

  // Altered Terms: the signature is over a document other than the one issued.
  await page.route("**/api/generacion/firmar", async (ruta) => {
    const datos = new URLSearchParams(ruta.request().postData() ?? "");
    datos.set("cadena", (datos.get("cadena") ?? "").replace("|patron-v1|", "|patron-v0|"));
    await ruta.continue({ postData: datos.toString() });
  });
  await page.getByRole("button", { name: "Continuar" }).click();
  await expect(page.getByRole("alert")).toHaveText(MENSAJES.alterado);
  expect(credencialesDe("demo", PATRON.nrp)).toBe(0);
});

test("unos Términos alterados no se firman, o firmados no emiten nada", async ({ page }) => {
  const demo = efirmaDemo();
  await ingresar(page, URL_DEMO);
  await abrirGeneracion(page, URL_DEMO);
  await aceptarTerminos(page);
  const firmas: string[] = [];
  page.on("request", (r) => { if (r.url().endsWith("/api/generacion/firmar")) firmas.push(r.url()); });
  /// Hands the browser a document other than the one the server issued.
  const alterar = (cambio: (cadena: string) => string) => page.route("**/api/generacion/validar", async (ruta) => {
    const respuesta = await ruta.fetch();
    const cuerpo = await respuesta.json();
    expect(cuerpo.cadena_original).toMatch(/^\|\|1\.0\|GENERACION DE CONTRASENA\|/);
    cuerpo.cadena_original = cambio(cuerpo.cadena_original);
    await ruta.fulfill({ response: respuesta, json: cuerpo });
  });

  // Other Terms than those shown (their SHA-256 differs): the browser refuses to sign them.
  await alterar((c) => c.replace(/\|[0-9a-f]{64}\|/, `|${"0".repeat(64)}|`));
  await validar(page, { ...demo.par("fiel"), contrasena: demo.contrasena });
  await errorEnPantalla(page, MENSAJES.noSeFirmo);
  await page.unroute("**/api/generacion/validar");

  // A field the browser cannot judge (the date): it signs it, validly, and the server, which
  // keeps the document it issued, refuses the signature.
  await alterar((c) => c.replace(/\|(\d{4})-(\d{2})-(\d{2})T/, "|2020-$2-$3T"));
  await validar(page, { ...demo.par("fiel"), contrasena: demo.contrasena });
  await expect(page.getByRole("heading", { name: "Solicitud de trámite" })).toBeVisible();
  await expect(page.locator(".cadena-original code")).toContainText("|2020-");
  await page.getByRole("button", { name: "Continuar" }).click();
  await expect(page.getByRole("alert")).toHaveText(MENSAJES.alterado);
  expect(firmas).toHaveLength(1);
  expect(credencialesDe("demo", PATRON.nrp)).toBe(0);
  expect(Number(sql("demo", `SELECT count(*) FROM acuses WHERE nrp = '${PATRON.nrp}'`))).toBe(0);
  expect(correos().filter((c) => c.para.includes(PATRON.correo))).toEqual([]);
});

test("generación completa con la e.firma de demostración: correo, contraseña y acuse", async ({ page }) => {
  const demo = efirmaDemo();
  const peticiones = grabarPeticiones(page);
  const consola: string[] = [];
  page.on("console", (m) => consola.push(m.text()));
  page.on("pageerror", (e) => consola.push(String(e)));
  await ingresar(page, URL_DEMO);
  // What the browser holds once signed in: the session cookie and the per-browser CSRF cookie
  // (set by the server on the first page, before any e.firma is touched).
  const alEntrar = await almacenamiento(page);
  expect(alEntrar.galletas.map((g) => g.split("=")[0])).toEqual(["__Host-csrf", "__Host-sesion"]);
  expect(alEntrar).toMatchObject({ local: 0, sesion: 0, indexeddb: 0 });
  await abrirGeneracion(page, URL_DEMO);
  await aceptarTerminos(page);
  await validar(page, { ...demo.par("fiel"), contrasena: demo.contrasena });

  // Image 7: the requester and the Terms as the document to sign.
  await expect(page.getByRole("heading", { name: "Solicitud de trámite" })).toBeVisible();
  const datos = page.locator("#datos-solicitante");
  await expect(datos).toContainText("ESCUELA KEMPER URGATE SA DE CV");
  await expect(datos).toContainText("EKU9003173C9");
  await expect(datos).toContainText(PATRON.nrp);
  await expect(page.getByRole("document", { name: "Términos y condiciones" })).toContainText("1. Aceptación de las condiciones y términos generales del servicio");
  // A double click sends one signature.
  const firmas: string[] = [];
  page.on("request", (r) => { if (r.url().endsWith("/api/generacion/firmar")) firmas.push(r.url()); });
  await page.getByRole("button", { name: "Continuar" }).dblclick();

  // Image 8: the signed answer.
  await expect(page.getByRole("heading", { name: "Respuesta firmada electrónicamente" })).toBeVisible();
  const folio = (await page.locator("#folio-emitido").textContent())!.trim();
  expect(folio).toMatch(/^\d{10}$/);
  expect(firmas).toHaveLength(1);
  const enlace = page.getByRole("link", { name: `acuse-${folio}.pdf` });
  const [descarga] = await Promise.all([page.waitForEvent("download"), enlace.click()]);
  expect(descarga.suggestedFilename()).toBe(`acuse-${folio}.pdf`);
  await comprobarAcuse(await descarga.path(), { folio, base: URL_DEMO, cer: demo.cer, nrp: PATRON.nrp });

  // Image 9: the email, through the real SMTP server.
  const correo = await esperarCorreo(PATRON.correo, `FOLIO: ${folio}`);
  expect(correo.asunto).toBe("Servicios de Intercomunicación - Contraseña generada");
  for (const linea of [
    "Datos de identificación del solicitante", `FOLIO: ${folio}`, "RFC: EKU9003173C9",
    "Razón Social: ESCUELA KEMPER URGATE SA DE CV", "Estimado Aportante y/o Desarrollador,",
    "Te informamos que tu contraseña fue generada con éxito.",
    "Podrás actualizar y recuperar la contraseña que te fue asignada, al ingresar al Portal Empresarial.",
    "Con la contraseña tendrás acceso a los Servicios de Intercomunicación consistente en un conjunto de servicios electrónicos para el intercambio de información entre los sistemas de control de nómina y las herramientas tecnológicas del Instituto.",
  ]) expect(correo.texto).toContain(linea);
  // In the guide's order.
  expect(correo.texto.indexOf("Datos de identificación del solicitante")).toBe(0);
  expect(correo.texto.indexOf("La contraseña generada es:")).toBeGreaterThan(correo.texto.indexOf("generada con éxito."));
  expect(correo.texto.indexOf("Con la contraseña tendrás acceso")).toBeGreaterThan(correo.texto.indexOf("Podrás actualizar"));
  const contrasena = /La contraseña generada es: (\S+)/.exec(correo.texto)?.[1] ?? "";
  expect(contrasena).toMatch(/^[2-9A-HJKMNP-Z]{5}(-[2-9A-HJKMNP-Z]{5}){4}$/);

  // The password verifies against the credential check; another one does not.
  const bien = cli("demo", ["credenciales", "verificar", "--nrp", PATRON.nrp, "--contrasena-stdin"], `${contrasena}\n`);
  expect(bien.codigo, bien.error).toBe(0);
  expect(bien.salida).toContain(folio);
  const mal = cli("demo", ["credenciales", "verificar", "--nrp", PATRON.nrp, "--contrasena-stdin"], "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA\n");
  expect(mal.codigo).toBe(1);
  expect(credencialesDe("demo", PATRON.nrp)).toBe(1);

  // Privacy: neither the .key nor its password left the browser; nothing was stored.
  await afirmarQueNoSalio(peticiones, { key: demo.key, contrasena: demo.contrasena }, consola);
  expect(await almacenamiento(page)).toEqual(alEntrar);

  // Back in the tab: the active credential, with its folio and the two options.
  await abrirGeneracion(page, URL_DEMO);
  await expect(page.locator("#folio-activo")).toHaveText(folio);
  const emitida = Number(sql("demo", `SELECT emitida FROM credenciales WHERE folio = '${folio}'`));
  await expect(page.locator(".credencial-activa dt", { hasText: "Generada el" }).locator("+ dd"))
    .toHaveText(`${fechaCdmx(emitida)} (hora del centro de México)`);
  await expect(page.getByRole("button", { name: "Cancelar contraseña" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Recuperar contraseña" })).toBeVisible();
  await expect(page.getByRole("checkbox", { name: "Acepto términos y condiciones" })).toHaveCount(0);
});

test("dos pestañas firman a la vez: una sola contraseña nueva", async ({ page, context }) => {
  const demo = efirmaDemo();
  await ingresar(page, URL_DEMO);
  const antes = credencialesDe("demo", PATRON.nrp);
  const dePatron = `FROM credenciales c JOIN cuentas a ON a.id = c.cuenta_id WHERE a.nrp = '${PATRON.nrp}' AND c.rol = 'patron'`;
  const folioAnterior = sql("demo", `SELECT folio ${dePatron} AND c.estado = 'activa'`);
  const otra = await context.newPage();
  for (const p of [page, otra]) {
    await abrirGeneracion(p, URL_DEMO);
    // Replacing is an explicit choice.
    await p.getByRole("button", { name: "Generar una nueva contraseña" }).click();
    await expect(p.getByText(`la actual (folio ${folioAnterior}) dejará de funcionar`)).toBeVisible();
    await p.getByRole("button", { name: "Continuar" }).click();
    await aceptarTerminos(p);
    await validar(p, { ...demo.par("fiel"), contrasena: demo.contrasena });
    await expect(p.getByRole("heading", { name: "Solicitud de trámite" })).toBeVisible();
  }
  await Promise.all([page, otra].map((p) => p.getByRole("button", { name: "Continuar" }).click()));
  const exito = page.getByRole("heading", { name: "Respuesta firmada electrónicamente" });
  const exitoOtra = otra.getByRole("heading", { name: "Respuesta firmada electrónicamente" });
  await expect(exito.or(page.getByRole("alert"))).toBeVisible();
  await expect(exitoOtra.or(otra.getByRole("alert"))).toBeVisible();
  const ganadoras = (await exito.count()) + (await exitoOtra.count());
  expect(ganadoras).toBe(1);
  const perdedora = (await exito.count()) ? otra : page;
  await expect(perdedora.getByRole("alert")).toContainText("La contraseña que ibas a reemplazar ya no está activa");
  expect(credencialesDe("demo", PATRON.nrp)).toBe(antes + 1);
  expect(sql("demo", `SELECT c.estado ${dePatron} ORDER BY c.id`).split("\n")).toEqual(["reemplazada", "activa"]);
});

test("dos pestañas emiten la primera contraseña a la vez: una sola resulta", async ({ page, context }) => {
  // An employer of its own, without any credential yet (same RFC as the demo e.firma).
  const cuenta = { nrp: "D5412345107", correo: "tesoreria@kemper.example", contrasena: "Kemper-Tesoreria-2026" };
  altaCuenta("demo", cuenta);
  const demo = efirmaDemo();
  await ingresar(page, URL_DEMO, cuenta);
  expect(credencialesDe("demo", cuenta.nrp)).toBe(0);
  const otra = await context.newPage();
  for (const p of [page, otra]) {
    await abrirGeneracion(p, URL_DEMO);
    await aceptarTerminos(p);
    await validar(p, { ...demo.par("fiel"), contrasena: demo.contrasena });
    await expect(p.getByRole("heading", { name: "Solicitud de trámite" })).toBeVisible();
  }
  await Promise.all([page, otra].map((p) => p.getByRole("button", { name: "Continuar" }).click()));
  const exito = (p: Page) => p.getByRole("heading", { name: "Respuesta firmada electrónicamente" });
  for (const p of [page, otra]) await expect(exito(p).or(p.getByRole("alert"))).toBeVisible();
  expect((await exito(page).count()) + (await exito(otra).count())).toBe(1);
  const [ganadora, perdedora] = (await exito(page).count()) ? [page, otra] : [otra, page];
  const folio = (await ganadora.locator("#folio-emitido").textContent())!.trim();
  await expect(perdedora.getByRole("alert")).toHaveText(
    `Ya tienes una contraseña activa (folio ${folio}). Para generar otra elige Generar una nueva contraseña: la actual dejará de funcionar.`);
  expect(credencialesDe("demo", cuenta.nrp)).toBe(1);
  expect(Number(sql("demo", `SELECT count(*) FROM acuses WHERE nrp = '${cuenta.nrp}'`))).toBe(1);
  await esperarCorreo(cuenta.correo, `FOLIO: ${folio}`);
  await buzonDeSalidaVacio("demo", cuenta.correo);
  expect(await correosCon(cuenta.correo, "La contraseña generada es:")).toHaveLength(1);
});

test("la e.firma de otro contribuyente no sirve para esta cuenta", async ({ page }) => {
  await ingresar(page, URL_SAT, OTRO_PATRON);
  await abrirGeneracion(page, URL_SAT);
  await aceptarTerminos(page);
  await validar(page, { ...FIEL_SAT });
  await errorEnPantalla(page, MENSAJES.otroRfc);
  expect(credencialesDe("sat", OTRO_PATRON.nrp)).toBe(0);
});

test("generación completa con la e.firma de pruebas del SAT; el correo queda en el buzón local", async ({ page }) => {
  const peticiones = grabarPeticiones(page);
  const consola: string[] = [];
  page.on("console", (m) => consola.push(m.text()));
  await ingresar(page, URL_SAT);
  const alEntrar = await almacenamiento(page);
  await abrirGeneracion(page, URL_SAT);
  await aceptarTerminos(page);
  await validar(page, { ...FIEL_SAT });
  await expect(page.getByRole("heading", { name: "Solicitud de trámite" })).toBeVisible();
  await expect(page.locator("#datos-solicitante")).toContainText("30001000000500003415");
  const folio = await firmarSolicitud(page);
  await comprobarAcuse(await descargarAcuse(page, folio), { folio, base: URL_SAT, cer: FIEL_SAT.cer, nrp: PATRON.nrp });
  // This server has no SMTP configured, like the out-of-the-box demo: the email is a file.
  const correo = await esperarCorreoEnBuzon("sat", `FOLIO: ${folio}`);
  expect(correo.para).toEqual([PATRON.correo]);
  expect(correo.texto).toContain("Te informamos que tu contraseña fue generada con éxito.");
  const contrasena = /La contraseña generada es: (\S+)/.exec(correo.texto)?.[1] ?? "";
  const r = cli("sat", ["credenciales", "verificar", "--nrp", PATRON.nrp, "--contrasena-stdin"], `${contrasena}\n`);
  expect(r.codigo, r.error).toBe(0);
  await afirmarQueNoSalio(peticiones, FIEL_SAT, consola);
  expect(await almacenamiento(page)).toEqual(alEntrar);
  expect(alEntrar).toMatchObject({ local: 0, sesion: 0, indexeddb: 0 });
});
