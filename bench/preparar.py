#!/usr/bin/env python3
"""Prepares a throwaway database for the API load benchmark: one employer (NRP Y5412345108)
and one developer (created beforehand with `intercomunicacion cuentas alta`), an active
credential for each, a certified product, an active trust relation, and a CSV of avisos to load
with `intercomunicacion avisos cargar`.

The credentials are written straight into SQLite with the server's own keyed hash, derived from
INTERCOM_SECRETO exactly as the server does (pepper = HMAC(secret, "credenciales"), hash =
HMAC(pepper, "credencial:v1:" + password)). Prints the two passwords, one per line.
"""
import base64, hmac, hashlib, os, secrets, sqlite3, sys, time

db, csv_path, avisos = sys.argv[1], sys.argv[2], int(sys.argv[3])
secreto = base64.b64decode(os.environ["INTERCOM_SECRETO"])
pepper = hmac.new(secreto, b"credenciales", hashlib.sha256).digest()
ALFABETO = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

def contrasena():
    s = "".join(secrets.choice(ALFABETO) for _ in range(25))
    return "-".join(s[i:i + 5] for i in range(0, 25, 5))

def huella(c):
    return hmac.new(pepper, b"credencial:v1:" + c.replace("-", "").encode(), hashlib.sha256).hexdigest()

ahora = int(time.time())
con = sqlite3.connect(db)
patron = con.execute("SELECT id FROM cuentas WHERE nrp = 'Y5412345108'").fetchone()[0]
dev = con.execute("SELECT id FROM cuentas WHERE nrp = 'D0000000001'").fetchone()[0]
claves = []
for i, (cuenta, rol) in enumerate([(patron, "patron"), (dev, "desarrollador")]):
    c = contrasena()
    claves.append(c)
    con.execute(
        "INSERT INTO credenciales (cuenta_id, rol, folio, esquema, hash, estado, no_certificado, emitida) "
        "VALUES (?, ?, ?, 'hmac-sha256-v1', ?, 'activa', '00001000000500000001', ?)",
        (cuenta, rol, f"90000000{i:02d}", huella(c), ahora))
producto = con.execute(
    "INSERT INTO productos (cuenta_id, nombre, version, contacto, estado, creado) "
    "VALUES (?, 'NominaBench', '1.0', 'bench@example.invalid', 'aprobado', ?) RETURNING id",
    (dev, ahora)).fetchone()[0]
con.execute(
    "INSERT INTO relaciones (patron_id, desarrollador_id, producto_id, estado, cadena_original, sello, no_certificado, creada) "
    "VALUES (?, ?, ?, 'activa', '||bench||', 'bench', '00001000000500000001', ?)",
    (patron, dev, producto, ahora))
con.commit()

tipos = ["retencion", "modificacion", "suspension"]
with open(csv_path, "w") as f:
    f.write("fecha,nrp,nss,nombre,rfc,curp,numero_credito,tipo,tipo_descuento,valor_descuento,folio\n")
    for i in range(avisos):
        f.write(f"2025-{1 + i % 12:02d}-{1 + i % 28:02d},Y5412345108,{10000000000 + i:011d},"
                f"TRABAJADOR {i},,,{1500000000 + i:010d},{tipos[i % 3]},porcentaje,20.00,BENCH-{i:06d}\n")
print(claves[0])
print(claves[1])
