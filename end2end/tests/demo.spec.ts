import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  RAIZ, URL_DEFECTO, abrirGeneracion, aceptarTerminos, cli, datosDe, descargarAcuse, efirmaDemo, esperarCorreoEnBuzon,
  firmarSolicitud, ingresar, validar,
} from "./comun";
import { comprobarAcuse } from "./acuse";

// The out-of-the-box demo (the README's first command): a server with nothing configured seeds
// its own demo account and demo e.firma, prints them to LEEME.txt, and leaves emails in the local
// mailbox folder. A person can do the whole Generación with only what it printed.

test("la demostración sin configurar: con lo que imprime se genera la contraseña y el correo queda en el buzón", async ({ page }) => {
  const leeme = readFileSync(join(datosDe("defecto"), "demo", "LEEME.txt"), "utf8");
  const dato = (etiqueta: string) => {
    const valor = new RegExp(`${etiqueta}: (\\S+)`).exec(leeme)?.[1];
    expect(valor, `LEEME.txt sin «${etiqueta}»`).toBeTruthy();
    return valor!;
  };
  const cuenta = {
    nrp: dato("Número de Registro Patronal \\(NRP\\)"),
    correo: dato("Correo electrónico"),
    contrasena: dato("  Contraseña"),
  };
  const efirma = efirmaDemo("defecto");
  expect(leeme).toContain(efirma.cer);
  expect(leeme).toContain(efirma.key);

  await ingresar(page, URL_DEFECTO, cuenta);
  await abrirGeneracion(page, URL_DEFECTO);
  await aceptarTerminos(page);
  await validar(page, { ...efirma.par("fiel"), contrasena: efirma.contrasena });
  await expect(page.getByRole("heading", { name: "Solicitud de trámite" })).toBeVisible();
  await expect(page.locator("#datos-solicitante")).toContainText(cuenta.nrp);
  const folio = await firmarSolicitud(page);
  await comprobarAcuse(await descargarAcuse(page, folio), { folio, base: URL_DEFECTO, cer: efirma.cer, nrp: cuenta.nrp });

  // The email is a file in <datos>/buzon/, the folder the README names (data/buzon/ by default).
  expect(readFileSync(join(RAIZ, "README.md"), "utf8")).toContain("**`data/buzon/`**");
  const correo = await esperarCorreoEnBuzon("defecto", `FOLIO: ${folio}`);
  expect(correo.para).toEqual([cuenta.correo]);
  expect(correo.asunto).toBe("Servicios de Intercomunicación - Contraseña generada");
  const contrasena = /La contraseña generada es: (\S+)/.exec(correo.texto)?.[1] ?? "";
  const r = cli("defecto", ["credenciales", "verificar", "--nrp", cuenta.nrp, "--contrasena-stdin"], `${contrasena}\n`);
  expect(r.codigo, r.error).toBe(0);
  expect(r.salida).toContain(folio);
});
