// Checks a downloaded acuse (DESIGN §6) the way anyone could: the PDF's text (pdftotext), the
// applicant's sello with the .cer's public key and the Instituto's sello with its published
// certificate, both with `openssl dgst -sha256 -verify`; then the public verification page.
import { expect } from "@playwright/test";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RAIZ } from "./comun";

const ETIQUETAS = [
  "Folio", "Fecha y hora (UTC)", "Fecha y hora (Ciudad de México, UTC-06:00)", "Rol",
  "Número de Registro Patronal (NRP)", "RFC", "Razón social", "Número de certificado de la e.firma",
  "Términos y condiciones (versión)", "Términos y condiciones (SHA-256)", "Cadena original",
  "Sello digital del solicitante", "Sello digital del Instituto", "Número de certificado del Instituto",
  "SHA-256 del certificado del Instituto", "Verificación del acuse",
];

/// The value printed under a label, its wrapped lines joined back (page footers skipped).
function valorDe(texto: string, etiqueta: string): string {
  const lineas = texto.split("\n").map((l) => l.trim());
  const i = lineas.indexOf(etiqueta);
  expect(i, `falta «${etiqueta}» en el acuse`).toBeGreaterThanOrEqual(0);
  const partes: string[] = [];
  for (const l of lineas.slice(i + 1)) {
    if (l.startsWith("\f")) continue;
    if (/^Folio \d{10} · Página \d+ de \d+$/.test(l.replace(/^\f/, ""))) continue;
    if (l === "" && partes.length === 0) continue;
    if (l === "" || ETIQUETAS.includes(l) || l.startsWith("Los sellos digitales")) break;
    partes.push(l);
  }
  return partes.join("");
}

function openssl(args: string[]) {
  return spawnSync("openssl", args, { encoding: "utf8" });
}

function verificarSello(dir: string, nombre: string, pem: string, texto: string, sello: string) {
  writeFileSync(join(dir, `${nombre}.txt`), texto);
  writeFileSync(join(dir, `${nombre}.bin`), Buffer.from(sello, "base64"));
  return openssl(["dgst", "-sha256", "-verify", pem, "-signature", join(dir, `${nombre}.bin`), join(dir, `${nombre}.txt`)]);
}

export async function comprobarAcuse(
  ruta: string,
  e: { folio: string; base: string; cer: string; nrp: string },
) {
  const pdf = readFileSync(ruta);
  expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
  const r = spawnSync("pdftotext", ["-enc", "UTF-8", ruta, "-"], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  const texto = r.stdout;
  expect(texto).toContain("Respuesta firmada electrónicamente");
  const v = (etiqueta: string) => valorDe(texto, etiqueta);
  const terminos = readFileSync(join(RAIZ, "nucleo", "terminos", "patron-v1.txt"));
  expect(v("Folio")).toBe(e.folio);
  expect(v("Rol")).toBe("Patrón");
  expect(v("Número de Registro Patronal (NRP)")).toBe(e.nrp);
  expect(v("RFC")).toBe("EKU9003173C9");
  expect(v("Razón social")).toBe("ESCUELA KEMPER URGATE SA DE CV");
  expect(v("Términos y condiciones (versión)")).toBe("patron-v1");
  expect(v("Términos y condiciones (SHA-256)")).toBe(createHash("sha256").update(terminos).digest("hex"));
  expect(v("Verificación del acuse")).toBe(`${e.base}/acuses/verificar?folio=${e.folio}`);
  const cadena = v("Cadena original");
  const noCertificado = v("Número de certificado de la e.firma");
  expect(cadena).toMatch(new RegExp(`^\\|\\|1\\.0\\|GENERACION DE CONTRASENA\\|PATRON\\|${e.nrp}\\|EKU9003173C9\\|ESCUELA KEMPER URGATE SA DE CV\\|${noCertificado}\\|patron-v1\\|`));
  const sello = v("Sello digital del solicitante");
  const selloInstituto = v("Sello digital del Instituto");

  const dir = mkdtempSync(join(tmpdir(), "acuse-"));
  // The applicant's sello: the cadena original, with the public key of the e.firma's .cer.
  const publica = join(dir, "solicitante.pem");
  expect(openssl(["x509", "-inform", "DER", "-in", e.cer, "-pubkey", "-noout", "-out", publica]).status).toBe(0);
  const solicitante = verificarSello(dir, "solicitante", publica, cadena, sello);
  expect(solicitante.stdout.trim(), solicitante.stderr).toBe("Verified OK");
  expect(verificarSello(dir, "alterada", publica, cadena.replace("PATRON", "PATRÓN"), sello).status).not.toBe(0);

  // The Instituto's sello: the cadena del Instituto, with its published certificate.
  const respuesta = await fetch(`${e.base}/acuses/certificado-instituto.pem`);
  expect(respuesta.status).toBe(200);
  writeFileSync(join(dir, "instituto-cert.pem"), await respuesta.text());
  const instituto = join(dir, "instituto.pem");
  expect(openssl(["x509", "-in", join(dir, "instituto-cert.pem"), "-pubkey", "-noout", "-out", instituto]).status).toBe(0);
  const cadenaInstituto =
    `||FOLIO ${e.folio}|EMITIDO ${v("Fecha y hora (UTC)")}|ROL patron|NRP ${e.nrp}|RFC EKU9003173C9` +
    `|RAZON SOCIAL ESCUELA KEMPER URGATE SA DE CV|NO CERTIFICADO ${noCertificado}|TERMINOS patron-v1` +
    `|SHA256 ${v("Términos y condiciones (SHA-256)")}|CADENA ORIGINAL ${cadena.slice(2, -2)}|SELLO ${sello}||`;
  const delInstituto = verificarSello(dir, "instituto", instituto, cadenaInstituto, selloInstituto);
  expect(delInstituto.stdout.trim(), delInstituto.stderr).toBe("Verified OK");

  // The public verification page re-checks both sellos by folio.
  const pagina = await (await fetch(`${e.base}/acuses/verificar?folio=${e.folio}`)).text();
  expect(pagina).toContain("Acuse válido");
  expect(pagina).not.toContain("no válido");
}
