#!/usr/bin/env bash
# Writes the synthetic seeds of fuzz/corpus/ (none comes from SAT's fixtures, which never enter
# the repository): certificates and keys made here with OpenSSL in the SAT layout (RFC in
# x500UniqueIdentifier, CURP in serialNumber, the certificate number as the ASCII serial,
# PBES2 + PBKDF2-HMAC-SHA1 + 3DES like SAT's .key), and hand-written texts for the other targets.
# Run once; scripts/fuzz.sh adds SAT's fixtures as seeds at run time, outside the repository.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
c=corpus
mkdir -p $c/cer $c/key $c/cadena $c/api_json $c/cabeceras

# An e.firma-shaped certificate (persona moral with its representative) and its key.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/fiel.pem" 2>/dev/null
cat > "$tmp/fiel.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
string_mask = utf8only
[dn]
CN = EMPRESA DE PRUEBA SINTETICA SA DE CV
name = EMPRESA DE PRUEBA SINTETICA SA DE CV
O = EMPRESA DE PRUEBA SINTETICA SA DE CV
C = MX
emailAddress = pruebas@example.com
x500UniqueIdentifier = XEXX010101AB1 / XAXX800101HB2
serialNumber = " / XAXX800101HDFXXX01"
[ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation, dataEncipherment, keyAgreement
extendedKeyUsage = emailProtection, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
serie="0x$(printf '30001000000500009999' | od -An -tx1 | tr -d ' \n')"
openssl req -new -x509 -key "$tmp/fiel.pem" -config "$tmp/fiel.cnf" -extensions ext \
  -set_serial "$serie" -days 1460 -sha256 -outform DER -out $c/cer/fiel-sintetica.der
openssl x509 -inform DER -in $c/cer/fiel-sintetica.der -out $c/cer/fiel-sintetica.pem
# A CSD-shaped one (an OU, signing usages only) and a CA.
sed -e 's/^O = .*/&\nOU = Sucursal 1/' -e 's/^keyUsage = .*/keyUsage = critical, digitalSignature, nonRepudiation/' \
  -e '/^extendedKeyUsage/d' "$tmp/fiel.cnf" > "$tmp/csd.cnf"
openssl req -new -x509 -key "$tmp/fiel.pem" -config "$tmp/csd.cnf" -extensions ext \
  -set_serial "$serie" -days 1460 -sha256 -outform DER -out $c/cer/csd-sintetico.der
openssl req -new -x509 -key "$tmp/fiel.pem" -subj "/CN=AC DE PRUEBA SINTETICA/O=Pruebas/C=MX" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -days 3650 -sha256 -outform DER -out $c/cer/ac-sintetica.der
# Refused shapes: a short RSA key, an EC key.
openssl req -new -x509 -newkey rsa:1024 -nodes -keyout /dev/null -subj "/CN=corta" -days 1 \
  -outform DER -out $c/cer/rsa-1024.der 2>/dev/null
openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
  -subj "/CN=ec" -days 1 -outform DER -out $c/cer/ec.der 2>/dev/null

# Keys: SAT's scheme in DER and PEM, AES-256/SHA-256, unencrypted PKCS#8, PKCS#1.
openssl pkcs8 -topk8 -in "$tmp/fiel.pem" -v2 des3 -v2prf hmacWithSHA1 -iter 2048 \
  -passout pass:12345678a -outform DER -out $c/key/pbes2-3des.der
openssl pkcs8 -topk8 -in "$tmp/fiel.pem" -v2 des3 -v2prf hmacWithSHA1 -iter 2048 \
  -passout pass:12345678a -out $c/key/pbes2-3des.pem
openssl pkcs8 -topk8 -in "$tmp/fiel.pem" -v2 aes-256-cbc -v2prf hmacWithSHA256 -iter 16 \
  -passout pass:12345678a -outform DER -out $c/key/pbes2-aes256.der
openssl pkcs8 -topk8 -in "$tmp/fiel.pem" -nocrypt -outform DER -out $c/key/pkcs8.der
openssl rsa -in "$tmp/fiel.pem" -traditional -outform DER -out $c/key/pkcs1.der 2>/dev/null

# The cadena original and the challenges.
printf '%s' '||1.0|GENERACION DE CONTRASENA|PATRON|Y5412345108|XEXX010101AB1|EMPRESA DE PRUEBA|30001000000500009999|2025-01|0f3c9a1be2d4c5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e|2026-11-27T10:00:00Z||kq3x9Zr0c2Vw8mNfT1aY5uLbE7hJdGsP4oQiRtXyW6A||' > $c/cadena/cadena-original
printf '%s' '||1.0|GENERACION DE CONTRASENA|PATRON|Y5412345108|XEXX010101AB1|NONCE falso|30001000000500009999|2025-01|00|2026-11-27T10:00:00Z|F-0001|el-nonce||' > $c/cadena/razon-social-nonce
printf '%s' '||INFONAVIT|SERVICIOS DE INTERCOMUNICACION|GENERAR_CONTRASENA|NRP Y5412345108|RFC XEXX010101AB1|NO CERTIFICADO 30001000000500009999|NONCE kq3x9Zr0c2Vw8mNf|EMITIDO 1795737600||' > $c/cadena/reto-generacion
printf '%s' '||INFONAVIT|SERVICIOS DE INTERCOMUNICACION|RELACION_CONFIANZA|NRP Y5412345108|RFC XEXX010101AB1|FECHA 2026-11-27|NONCE kq3x9Zr0c2Vw8mNf||' > $c/cadena/reto-relacion

# The API's body: first line the Content-Type, then the body.
cuerpo='{"patron":{"nrp":"Y5412345108"},"contrasena_patron":"ABCD-EFGH-IJKL-MNOP-QRST-UVWX","desarrollador":{"rfc":"XEXX010101AB1"},"contrasena_desarrollador":"ZYXW-VUTS-RQPO-NMLK-JIHG-FEDC"}'
printf 'application/json\n%s' "$cuerpo" > $c/api_json/valido
printf 'application/json; charset=utf-8\n%s' "${cuerpo/\"nrp\":\"Y5412345108\"/\"rfc\":\"XEXX010101AB1\"}" > $c/api_json/rfc-utf8
printf 'application/json; charset=utf-16\n%s' "$cuerpo" > $c/api_json/utf16
printf 'application/json\n%s' '{"patron":{"nrp":5412345108},"contrasena_patron":"x","desarrollador":{"rfc":"x"},"contrasena_desarrollador":"x","extra":[1,2,{"a":null}]}' > $c/api_json/tipos
printf 'application/json\n[1,2]' > $c/api_json/arreglo
printf 'text/plain\n{}' > $c/api_json/texto

# Proxies (INTERCOM_PROXIES), the peer, then header values (Cookie and X-Forwarded-For).
printf '10.0.0.0/8, 192.168.1.10, fd00::/8\n10.0.0.2\n6.6.6.6, 198.51.100.7\n10.0.0.3\na=1; __Host-sesion=abc; __Host-csrf=def\n' > $c/cabeceras/proxy
printf '172.16.0.0/12\n::ffff:172.16.0.1\n2001:db8::1, ::ffff:172.16.9.9\n' > $c/cabeceras/ipv6
printf '0.0.0.0/0\n203.0.113.9\nno-es-ip, 1.2.3.4\n__Host-sesion=; __Host-sesion=xyz\n' > $c/cabeceras/basura
