#!/usr/bin/env python3
"""Prepares a throwaway database for the load benchmark (bench/carga.sh), on SQLite or
PostgreSQL: for the employer (NRP Y5412345108) and the developer (NRP D0000000001, RFC
VADA800927DJ3), both created beforehand with `intercomunicacion cuentas alta`, an active
credential each, a certified product and an active trust relation; and a CSV of avisos to load
with `intercomunicacion avisos cargar`.

    preparar.py DATABASE_URL AVISOS.csv N

Issuing a credential takes the employer's e.firma in the portal, so the rows are written
directly, in SQL both engines accept (the SQLite file through Python's sqlite3, PostgreSQL
through `psql`). The credential hashes are the server's own keyed hash, derived from
INTERCOM_SECRETO exactly as the server does (pepper = HMAC(secret, "credenciales"), hash =
HMAC(pepper, "credencial:v1:" + password)). Prints the two passwords, one per line.
"""
import base64, hmac, hashlib, os, secrets, sqlite3, subprocess, sys, time

url, csv_path, avisos = sys.argv[1], sys.argv[2], int(sys.argv[3])
secreto = base64.b64decode(os.environ["INTERCOM_SECRETO"])
pepper = hmac.new(secreto, b"credenciales", hashlib.sha256).digest()
ALFABETO = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def contrasena():
    s = "".join(secrets.choice(ALFABETO) for _ in range(25))
    return "-".join(s[i:i + 5] for i in range(0, 25, 5))


def huella(c):
    return hmac.new(pepper, b"credencial:v1:" + c.replace("-", "").encode(), hashlib.sha256).hexdigest()


# Every value below is generated here (hex, the password alphabet, digits): no quoting issue.
ahora = int(time.time())
PATRON = "(SELECT id FROM cuentas WHERE nrp = 'Y5412345108')"
DESARROLLADOR = "(SELECT id FROM cuentas WHERE nrp = 'D0000000001')"
claves = [contrasena(), contrasena()]
sql = [
    f"INSERT INTO credenciales (cuenta_id, rol, folio, esquema, hash, estado, no_certificado, emitida) "
    f"VALUES ({cuenta}, '{rol}', '90000000{i:02d}', 'hmac-sha256-v1', '{huella(claves[i])}', 'activa', "
    f"'00001000000500000001', {ahora})"
    for i, (cuenta, rol) in enumerate([(PATRON, "patron"), (DESARROLLADOR, "desarrollador")])
] + [
    f"INSERT INTO productos (cuenta_id, nombre, version, contacto, estado, creado) "
    f"VALUES ({DESARROLLADOR}, 'NominaBench', '1.0', 'bench@example.invalid', 'aprobado', {ahora})",
    f"INSERT INTO relaciones (patron_id, desarrollador_id, producto_id, estado, cadena_original, sello, no_certificado, creada) "
    f"VALUES ({PATRON}, {DESARROLLADOR}, (SELECT id FROM productos WHERE nombre = 'NominaBench'), 'activa', "
    f"'||bench||', 'bench', '00001000000500000001', {ahora})",
]
script = "BEGIN;\n" + ";\n".join(sql) + ";\nCOMMIT;\n"

if url.startswith("sqlite:"):
    ruta = url.removeprefix("sqlite:").removeprefix("//").split("?")[0]
    con = sqlite3.connect(ruta, isolation_level=None)
    con.executescript(script)
    con.close()
elif url.startswith(("postgres:", "postgresql:")):
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url], input=script.encode(),
                   check=True, stdout=subprocess.DEVNULL)
else:
    sys.exit(f"URL de base de datos no reconocida: {url}")

tipos = ["retencion", "modificacion", "suspension"]
with open(csv_path, "w") as f:
    f.write("fecha,nrp,nss,nombre,rfc,curp,numero_credito,tipo,tipo_descuento,valor_descuento,folio\n")
    for i in range(avisos):
        f.write(f"2025-{1 + i % 12:02d}-{1 + i % 28:02d},Y5412345108,{10000000000 + i:011d},"
                f"TRABAJADOR {i},,,{1500000000 + i:010d},{tipos[i % 3]},porcentaje,20.00,BENCH-{i:06d}\n")
print(claves[0])
print(claves[1])
