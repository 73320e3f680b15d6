//! The database's migrations, from one source for both engines: each file under `migrations/`
//! is written once, with `{{id}}` where a table's surrogate key is declared and `{{bytes}}` for a
//! binary column — the only places where PostgreSQL and SQLite spell the schema differently —
//! and rendered for the engine at hand. The rendered text is exactly what the two per-engine
//! copies held before they were merged, so the checksums recorded by databases migrated earlier
//! still match (`tests::lo_rendido_es_lo_que_las_bases_ya_registraron`).
//!
//! A new migration is a new file here and a new line in [`FUENTES`].

use crate::bd::Motor;
use sqlx::{
    error::BoxDynError,
    migrate::{Migration, MigrationSource, MigrationType, Migrator},
};
use std::{borrow::Cow, future::Future, pin::Pin};

/// Version, description (as `sqlx migrate` derives it from the file name) and text.
const FUENTES: &[(i64, &str, &str)] = &[
    (1, "portal", include_str!("../migrations/0001_portal.sql")),
    (
        2,
        "credenciales",
        include_str!("../migrations/0002_credenciales.sql"),
    ),
    (3, "correo", include_str!("../migrations/0003_correo.sql")),
    (4, "acuses", include_str!("../migrations/0004_acuses.sql")),
    (
        5,
        "captchas",
        include_str!("../migrations/0005_captchas.sql"),
    ),
    (
        6,
        "intercambio",
        include_str!("../migrations/0006_intercambio.sql"),
    ),
    (
        7,
        "auditoria cadena",
        include_str!("../migrations/0007_auditoria_cadena.sql"),
    ),
    (8, "escala", include_str!("../migrations/0008_escala.sql")),
    (
        9,
        "limites plazas",
        include_str!("../migrations/0009_limites_plazas.sql"),
    ),
    (
        10,
        "captcha uso y desbloqueos",
        include_str!("../migrations/0010_captcha_uso_y_desbloqueos.sql"),
    ),
    (
        11,
        "sellos instituto",
        include_str!("../migrations/0011_sellos_instituto.sql"),
    ),
];

/// A migration's text for `motor`.
pub fn renderizar(fuente: &str, motor: Motor) -> String {
    let (id, bytes) = match motor {
        Motor::Postgres => ("BIGSERIAL PRIMARY KEY", "BYTEA"),
        Motor::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"),
    };
    fuente.replace("{{id}}", id).replace("{{bytes}}", bytes)
}

/// Every migration, rendered for `motor`, oldest first.
pub fn migraciones(motor: Motor) -> Vec<Migration> {
    FUENTES
        .iter()
        .map(|&(version, descripcion, fuente)| {
            Migration::new(
                version,
                Cow::Borrowed(descripcion),
                MigrationType::Simple,
                Cow::Owned(renderizar(fuente, motor)),
                false,
            )
        })
        .collect()
}

#[derive(Debug)]
struct Fuente(Motor);

impl<'s> MigrationSource<'s> for Fuente {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        Box::pin(async move { Ok(migraciones(self.0)) })
    }
}

/// The migrator for `motor`.
pub async fn migrador(motor: Motor) -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Fuente(motor)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// SHA-384 of each migration as `_sqlx_migrations` records it: 1–10 as the per-engine files
    /// held them before the two sets became one, then each new one as first released.
    const POSTGRES: [&str; 11] = [
   "88dad96ac1aaf668713fde04c5ff291400ea9814d8f05508e5c3ce476fd203481f67b337a0bd45aedc1029922efe8d13",
   "61d83c159281d98a0de20f7b2d48e94b39f6fea0b077a60c51def859271507064b719652db22664d96a4f5dd217cca0a",
   "19e41fb3796560db56ff8c53164a69ee8d417a5c777e1f7c6795df7cbe4547ee4689f27cb710bec1d76f0e4af8d19cce",
   "7fcb7dce71a62eabef215fb4312a00fd8c9f21665348d62eb024d2eaa4c663605140f593b0c1408fe7d4de0a35d52ef6",
   "53a73cffbdb6fff962a39ebe3c04cae3c39a6a25783c4e52758fd829714c4927d0f9db3e03dcec20301992e1457131b0",
   "5d7a449a34fede3a8e96c0e2465421e3c45caac6ca5e7b4d55e6b4c87d30b86a43d4055b4221593c96ea2c4a181eb770",
   "44b253820e5ad585d805af5e0dc48c0b30cf5554dae02d3e0f655e91ae24193afc5ff571c1b47fccd4e5ff05bb86be35",
   "a4cd839cfe127903441c1e42472b77501cb433385fb21755a451abe21b2f7dff5897879b86c23a68d5a8e6e65b235bd9",
   "549661258bddd55f967f2c2907754f1caf89f69c91747e5e723f0637fb3c1e4b559c9ae96e2d63fa9284e7b0c5e7c711",
   "609a9d15e49b77f9c308284742e4b09528b8dcfc5cfce5726d04ad115ceef3d6f474807fe39d2115305bf2698fe4d654",
        "c06eed8694d99e4e04e3d26ae68b623507282055d99d875887c7f46c6ba740d3bcf9538f8bdecd1837df088bee2c9d2b",
    ];
    const SQLITE: [&str; 11] = [
   "1e9d64b17157b7b31f31389b7edb8fc044ea185b564b0865565c6ba9671b37eb2d0e7eb8de75ddd87b5b4ff03abec4f1",
   "85e9201a3c9077338b017962ae38c3b5c3ffa77c5100ea54afa7c72998ef4877de4b1793464615222b436d6a85eccbeb",
   "5862729d291a712a936a9fc7d8ccf3fe51297220a2fb48ccbe7413f3008cfb50928403b8cbb342af568a96d09578b228",
   "6069f3903eadcb7aded8b34fec005b648e7cd7615c0cea46a10eff56a7a52a8a7f74b4f96aaa68d5c69a5ad24f4fe0d5",
   "53a73cffbdb6fff962a39ebe3c04cae3c39a6a25783c4e52758fd829714c4927d0f9db3e03dcec20301992e1457131b0",
   "c03353d5d4ebbdaf8d8d8984690b87ea035c3149d0ef990d001459cab35428a28460169b22f266f9a6468c37b0ba7653",
   "44b253820e5ad585d805af5e0dc48c0b30cf5554dae02d3e0f655e91ae24193afc5ff571c1b47fccd4e5ff05bb86be35",
   "a4cd839cfe127903441c1e42472b77501cb433385fb21755a451abe21b2f7dff5897879b86c23a68d5a8e6e65b235bd9",
   "dc92fd901828bb1b61875c3ef5e0bd6e41b1cadaac8326b928e357166e4c66f1f88cd939680cf80647fc56c4a92a1eaa",
   "609a9d15e49b77f9c308284742e4b09528b8dcfc5cfce5726d04ad115ceef3d6f474807fe39d2115305bf2698fe4d654",
        "6760f17a104c15e6927c68a91bb09b560d6597447f57e18e9bba83815afc733c1f45a5b7b78e777f46be12969cbdf4dc",
    ];

    #[test]
    fn lo_rendido_es_lo_que_las_bases_ya_registraron() {
        for (motor, sumas) in [(Motor::Postgres, POSTGRES), (Motor::Sqlite, SQLITE)] {
            let migraciones = migraciones(motor);
            assert_eq!(migraciones.len(), sumas.len());
            for (m, suma) in migraciones.iter().zip(sumas) {
                assert_eq!(hex(&m.checksum), suma, "{motor:?}, migración {}", m.version);
            }
        }
    }

    #[test]
    fn cada_archivo_de_migrations_esta_en_la_lista_una_vez_y_en_orden() {
        let carpeta = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut archivos: Vec<String> = std::fs::read_dir(&carpeta)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        archivos.sort();
        let esperados: Vec<String> = FUENTES
            .iter()
            .map(|(v, d, _)| format!("{v:04}_{}.sql", d.replace(' ', "_")))
            .collect();
        assert_eq!(archivos, esperados);
        for (i, (v, _, fuente)) in FUENTES.iter().enumerate() {
            assert_eq!(*v, i as i64 + 1);
            let rendida = renderizar(fuente, Motor::Sqlite);
            assert!(
                !rendida.contains("{{"),
                "migración {v}: un marcador sin reemplazar"
            );
        }
    }
}
