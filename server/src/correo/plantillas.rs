//! The texts of the emails the portal sends, in the guide's words (image 9 of
//! `spec/guia-generacion-contrasena.txt`). Plain text; the password goes where
//! [`MARCADOR`](super::MARCADOR) is, at delivery time.

use super::MARCADOR;

/// Subject and body of the "contraseña generada" email.
pub fn contrasena_generada(folio: &str, rfc: &str, razon_social: &str) -> (String, String) {
    let asunto = "Servicios de Intercomunicación - Contraseña generada".to_owned();
    let cuerpo = format!(
        "Datos de identificación del solicitante\n\
         FOLIO: {folio}\n\
         RFC: {rfc}\n\
         Razón Social: {razon_social}\n\
         \n\
         Estimado Aportante y/o Desarrollador,\n\
         \n\
         Te informamos que tu contraseña fue generada con éxito.\n\
         \n\
         La contraseña generada es: {MARCADOR}\n\
         \n\
         Podrás actualizar y recuperar la contraseña que te fue asignada, al ingresar al Portal Empresarial.\n\
         \n\
         Con la contraseña tendrás acceso a los Servicios de Intercomunicación consistente en un conjunto de servicios electrónicos para el intercambio de información entre los sistemas de control de nómina y las herramientas tecnológicas del Instituto.\n\
         \n\
         El Instituto nunca te pedirá esta contraseña por correo ni por teléfono.\n\
         Este correo se generó automáticamente; no lo respondas.\n"
    );
    (asunto, cuerpo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn el_correo_de_contrasena_generada_lleva_los_datos_y_un_solo_marcador() {
        let (asunto, cuerpo) = contrasena_generada(
            "0123456789",
            "EKU9003173C9",
            "ESCUELA KEMPER URGATE SA DE CV",
        );
        assert!(asunto.contains("Contraseña generada"));
        assert!(cuerpo.starts_with(
            "Datos de identificación del solicitante\nFOLIO: 0123456789\nRFC: EKU9003173C9\nRazón Social: ESCUELA KEMPER URGATE SA DE CV\n\nEstimado Aportante y/o Desarrollador,\n"
        ));
        assert!(cuerpo.contains("La contraseña generada es: {{CONTRASENA}}\n"));
        assert_eq!(cuerpo.matches(MARCADOR).count(), 1);
    }
}
