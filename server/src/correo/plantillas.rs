//! The texts of the emails the portal sends, in the guide's words (image 9 of
//! `spec/guia-generacion-contrasena.txt`). Plain text; the password goes where
//! [`MARCADOR`](super::MARCADOR) is, at delivery time.

use super::MARCADOR;

/// Subject and body of the "contraseña generada" email.
pub fn contrasena_generada(folio: &str, rfc: &str, razon_social: &str) -> (String, String) {
    let asunto = "Servicios de Intercomunicación - Contraseña generada".to_owned();
    let cuerpo = format!(
        "{}Te informamos que tu contraseña fue generada con éxito.\n\
         \n\
         La contraseña generada es: {MARCADOR}\n\
         \n\
         Podrás actualizar y recuperar la contraseña que te fue asignada, al ingresar al Portal Empresarial.\n\
         \n\
         Con la contraseña tendrás acceso a los Servicios de Intercomunicación consistente en un conjunto de servicios electrónicos para el intercambio de información entre los sistemas de control de nómina y las herramientas tecnológicas del Instituto.\n\
         \n{PIE}",
        identificacion(folio, rfc, razon_social)
    );
    (asunto, cuerpo)
}

/// The identification block every email about a credential opens with (guide, image 9).
fn identificacion(folio: &str, rfc: &str, razon_social: &str) -> String {
    format!(
        "Datos de identificación del solicitante\n\
         FOLIO: {folio}\n\
         RFC: {rfc}\n\
         Razón Social: {razon_social}\n\
         \n\
         Estimado Aportante y/o Desarrollador,\n\
         \n"
    )
}

const PIE: &str = "El Instituto nunca te pedirá tu contraseña por correo ni por teléfono.\n\
                   Este correo se generó automáticamente; no lo respondas.\n";

/// Subject and body of the "contraseña cancelada" email (guide §3). No secret.
pub fn contrasena_cancelada(folio: &str, rfc: &str, razon_social: &str) -> (String, String) {
    let asunto = "Servicios de Intercomunicación - Contraseña cancelada".to_owned();
    let cuerpo = format!(
        "{}Te informamos que tu contraseña con folio {folio} fue cancelada desde el Portal Empresarial. \
         A partir de este momento no sirve para los Servicios de Intercomunicación y las sesiones abiertas con ella terminaron.\n\
         \n\
         Para volver a usar el servicio genera una nueva contraseña en el Portal Empresarial, en Mis Trámites > Servicios de Intercomunicación, con tu e.firma.\n\
         \n\
         Si tú no cancelaste la contraseña, ingresa al Portal Empresarial y cambia la contraseña de tu cuenta.\n\
         \n{PIE}",
        identificacion(folio, rfc, razon_social)
    );
    (asunto, cuerpo)
}

/// Subject and body of the "contraseña recuperada" email (guide §4): the new password.
pub fn contrasena_recuperada(folio: &str, rfc: &str, razon_social: &str) -> (String, String) {
    let asunto = "Servicios de Intercomunicación - Contraseña recuperada".to_owned();
    let cuerpo = format!(
        "{}Te informamos que tu contraseña fue recuperada con éxito. Por tu seguridad las contraseñas no se guardan, \
         así que se generó una nueva; la anterior dejó de funcionar.\n\
         \n\
         La contraseña generada es: {MARCADOR}\n\
         \n\
         Actualiza la contraseña en tu sistema de control de nómina. Podrás actualizar y recuperar la contraseña que te fue asignada, al ingresar al Portal Empresarial.\n\
         \n{PIE}",
        identificacion(folio, rfc, razon_social)
    );
    (asunto, cuerpo)
}

/// What a code by email (the captcha's accessible alternative) is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParaCodigo {
    /// Recovering the password of the Servicios de Intercomunicación (guide §4).
    Recuperar,
    /// Signing in to the Portal Empresarial, when it asks for a captcha.
    Ingresar,
}

/// Subject and body of the email with the captcha's accessible alternative: a one-time code.
pub fn codigo_de_verificacion(para: ParaCodigo) -> (String, String) {
    let (pediste, boton) = match para {
        ParaCodigo::Recuperar => (
            "recuperar tu contraseña de los Servicios de Intercomunicación",
            "Continuar",
        ),
        ParaCodigo::Ingresar => ("ingresar al Portal Empresarial", "Entrar"),
    };
    let asunto = "Servicios de Intercomunicación - Código de verificación".to_owned();
    let cuerpo = format!(
        "Pediste {pediste} sin ver la imagen del captcha.\n\
         \n\
         Tu código de verificación es: {MARCADOR}\n\
         \n\
         Escríbelo en el Portal Empresarial, en el campo del captcha, y da clic en {boton}. Vence en 5 minutos y sirve una sola vez.\n\
         Si tú no lo pediste, ignora este correo.\n\
         \n{PIE}"
    );
    (asunto, cuerpo)
}

/// Subject and body of the email that lifts an NRP's lock (after many failed sign-ins from
/// anywhere): a single-use code. Says what happened and what to do if it was not the reader.
pub fn codigo_de_desbloqueo(nrp: &str) -> (String, String) {
    let asunto = "Portal Empresarial - Ingreso bloqueado por intentos fallidos".to_owned();
    let cuerpo = format!(
        "Por tu seguridad bloqueamos el ingreso al Portal Empresarial con el NRP {nrp}: hubo muchos intentos fallidos seguidos.\n\
         \n\
         Tu código de desbloqueo es: {MARCADOR}\n\
         \n\
         Para desbloquearlo, en la página Iniciar sesión escribe tu NRP, tu correo electrónico y tu contraseña, y este código en el campo «Código de desbloqueo». Vence en 10 minutos y sirve una sola vez; si vence, al volver a intentar con el captcha te enviaremos otro.\n\
         Si tú no hiciste esos intentos, alguien intentó adivinar tu contraseña: te recomendamos pedir al Instituto que la cambie.\n\
         \n{PIE}"
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

    #[test]
    fn cancelacion_sin_secreto_y_recuperacion_con_uno() {
        let (asunto, cuerpo) = contrasena_cancelada("0123456789", "EKU9003173C9", "EMPRESA");
        assert!(asunto.ends_with("Contraseña cancelada"));
        assert!(cuerpo.starts_with("Datos de identificación del solicitante\nFOLIO: 0123456789\n"));
        assert_eq!(cuerpo.matches(MARCADOR).count(), 0);
        let (asunto, cuerpo) = contrasena_recuperada("0123456789", "EKU9003173C9", "EMPRESA");
        assert!(asunto.ends_with("Contraseña recuperada"));
        assert!(cuerpo.contains("RFC: EKU9003173C9\nRazón Social: EMPRESA\n"));
        assert_eq!(cuerpo.matches(MARCADOR).count(), 1);
        for para in [ParaCodigo::Recuperar, ParaCodigo::Ingresar] {
            assert_eq!(codigo_de_verificacion(para).1.matches(MARCADOR).count(), 1);
        }
        assert_eq!(
            codigo_de_desbloqueo("Y5412345108")
                .1
                .matches(MARCADOR)
                .count(),
            1
        );
    }
}
