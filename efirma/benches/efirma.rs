//! The performance budget of the issue, with SAT's test FIEL: decrypt + sign ≤ 1.5 ms,
//! verify ≤ 50 µs, chain ≤ 150 µs (medians, native). Run with `cargo bench -p efirma`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use efirma::{Algoritmo, AlmacenConfianza, Certificado, LlavePrivada};

const SAT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures/sat/");
const AHORA: i64 = 1_795_737_600;

fn leer(ruta: &str) -> Vec<u8> {
    std::fs::read(format!("{SAT}{ruta}")).expect("fixture")
}

fn bench(c: &mut Criterion) {
    let cer = leer("EKU9003173C9/fiel.cer");
    let key = leer("EKU9003173C9/fiel.key");
    let cert = Certificado::parse(&cer).expect("cer");
    let llave = LlavePrivada::descifrar(&key, b"12345678a").expect("key");
    let almacen = AlmacenConfianza::desde_directorio(format!("{SAT}ca/pruebas")).expect("anclas");
    let datos = b"||1.0|reto|EKU9003173C9|30001000000500003415|0123456789abcdef||";
    let pkcs1 = llave
        .firmar(datos, Algoritmo::Pkcs1v15Sha256)
        .expect("firma");
    let pss = llave.firmar(datos, Algoritmo::PssSha256).expect("firma");

    c.bench_function("descifrar + firmar (PKCS#1 v1.5)", |b| {
        b.iter(|| {
            let l = LlavePrivada::descifrar(black_box(&key), b"12345678a").expect("key");
            l.firmar(black_box(datos), Algoritmo::Pkcs1v15Sha256)
                .expect("firma")
        })
    });
    c.bench_function("descifrar", |b| {
        b.iter(|| LlavePrivada::descifrar(black_box(&key), b"12345678a").expect("key"))
    });
    c.bench_function("firmar PKCS#1 v1.5", |b| {
        b.iter(|| llave.firmar(black_box(datos), Algoritmo::Pkcs1v15Sha256))
    });
    c.bench_function("firmar PSS", |b| {
        b.iter(|| llave.firmar(black_box(datos), Algoritmo::PssSha256))
    });
    c.bench_function("verificar PKCS#1 v1.5", |b| {
        b.iter(|| {
            cert.verificar(
                black_box(datos),
                black_box(&pkcs1),
                Algoritmo::Pkcs1v15Sha256,
            )
        })
    });
    c.bench_function("verificar PSS", |b| {
        b.iter(|| cert.verificar(black_box(datos), black_box(&pss), Algoritmo::PssSha256))
    });
    c.bench_function("verificar cadena", |b| {
        b.iter(|| almacen.verificar_cadena(black_box(&cert), AHORA))
    });
    c.bench_function("Certificado::parse", |b| {
        b.iter(|| Certificado::parse(black_box(&cer)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
