//! CRINA-PAY, the mobile-wallet method: the buyer gives a phone number, nothing else.
use std::collections::HashMap;

use chrono::NaiveDate;
use maud::{html, Markup};

use super::{fingerprint, Authorization, Field, FieldError, MethodDetails, PaymentMethodKind};
use crate::domain::Locale;
use crate::i18n::text;

pub struct CrinaPay;

/// A phone number ending in this is declined; any other is approved.
const DECLINED_SUFFIX: &str = "0002";

const PHONE: Field = Field {
    name: "phone",
    label: "field-phone",
    input_type: "tel",
    autocomplete: "tel",
    inputmode: None,
    placeholder: Some("+33 6 12 34 56 78"),
    maxlength: 24,
    refill: true,
};

impl PaymentMethodKind for CrinaPay {
    fn id(&self) -> &'static str {
        "crina_pay"
    }

    fn display_name(&self) -> &'static str {
        "method-crina-pay"
    }

    /// Capsule's own method: no card network, so no provider takes it.
    fn served_by_capsule(&self) -> bool {
        true
    }

    fn html_id(&self) -> &'static str {
        "crina"
    }

    fn fields(&self) -> &'static [Field] {
        &[PHONE]
    }

    fn test_outcomes(&self, locale: Locale) -> Markup {
        html! {
            li { (text(locale, "crina-test-outcomes", &[("suffix", DECLINED_SUFFIX.into())])) }
        }
    }

    fn authorize(
        &self,
        form: &HashMap<String, String>,
        _today: NaiveDate,
        fingerprint_key: &[u8],
    ) -> Result<Authorization, Vec<FieldError>> {
        let raw = form.get(PHONE.name).map(String::as_str).unwrap_or("");
        let Some(phone) = PhoneNumber::parse(raw) else {
            return Err(vec![FieldError::new(PHONE.name, "phone-invalid")]);
        };
        let declined = phone.digits().ends_with(DECLINED_SUFFIX);
        Ok(Authorization {
            approved: !declined,
            decline_reason: declined.then(|| "crina-declined".to_owned()),
            details: MethodDetails {
                method_type: self.id().to_owned(),
                brand: None,
                last4: None,
                exp_month: None,
                exp_year: None,
                phone_last4: Some(phone.last4().to_owned()),
                fingerprint: fingerprint(fingerprint_key, phone.digits()),
            },
            later_charges_fail: false,
            requires_authentication: false,
        })
    }
}

/// 8 to 15 digits, once spaces, dots, dashes and a leading `+` are removed.
struct PhoneNumber(String);

impl PhoneNumber {
    fn parse(raw: &str) -> Option<Self> {
        let compact: String = raw.trim().chars().filter(|c| !matches!(c, ' ' | '.' | '-')).collect();
        let digits = compact.strip_prefix('+').unwrap_or(&compact);
        let valid = (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
        valid.then(|| Self(digits.to_owned()))
    }

    fn digits(&self) -> &str {
        &self.0
    }

    fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::methods::FormState;

    const KEY: &[u8] = b"test-fingerprint-key";

    fn pay(phone: &str) -> Result<Authorization, Vec<FieldError>> {
        let form = HashMap::from([("phone".to_owned(), phone.to_owned())]);
        let today = NaiveDate::from_ymd_opt(2026, 3, 15).expect("valid date");
        CrinaPay.authorize(&form, today, KEY)
    }

    fn approved(phone: &str) -> Authorization {
        match pay(phone) {
            Ok(auth) => auth,
            Err(errors) => panic!("refused {phone:?}: {errors:?}"),
        }
    }

    #[test]
    fn phone_accepts_separators_and_a_leading_plus() {
        for phone in ["+33 6 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78", "12345678", "+123456789012345"] {
            assert!(pay(phone).is_ok(), "{phone} should be accepted");
        }
    }

    #[test]
    fn phone_refuses_bad_numbers_with_a_field_error() {
        for phone in
            ["", "1234567", "+1234567890123456", "06 12 34 5a 78", "33+612345678", "++33612345678", "(06)12345678"]
        {
            match pay(phone) {
                Err(errors) => {
                    assert_eq!(errors.len(), 1);
                    assert_eq!(errors[0].field, "phone");
                    assert_eq!(errors[0].message, "phone-invalid");
                }
                Ok(_) => panic!("{phone} should be refused"),
            }
        }
        assert!(CrinaPay.authorize(&HashMap::new(), NaiveDate::MIN, KEY).is_err());
    }

    #[test]
    fn approved_payment_describes_the_wallet_only() {
        let auth = approved("+33 6 12 34 56 78");
        assert!(auth.approved);
        assert!(!auth.later_charges_fail);
        assert_eq!(auth.decline_reason, None);
        let d = auth.details;
        assert_eq!(d.method_type, "crina_pay");
        assert_eq!(d.phone_last4.as_deref(), Some("5678"));
        assert_eq!((d.brand, d.last4, d.exp_month, d.exp_year), (None, None, None, None));
    }

    #[test]
    fn number_ending_in_0002_is_declined() {
        let auth = approved("06 12 34 00 02");
        assert!(!auth.approved);
        assert_eq!(auth.decline_reason.as_deref(), Some("crina-declined"));
        assert!(!auth.later_charges_fail);
        assert!(approved("06 12 34 00 03").approved);
    }

    #[test]
    fn fingerprint_ignores_formatting_and_tells_phones_apart() {
        let a = approved("+33 6.12-34 56 78").details.fingerprint;
        let b = approved("33612345678").details.fingerprint;
        let c = approved("33612345679").details.fingerprint;
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn the_form_asks_for_a_phone_and_refills_it() {
        let typed = HashMap::from([("phone".to_owned(), "+33 6".to_owned())]);
        let html = CrinaPay.form_fields(&FormState { errors: &[], values: &typed, locale: Locale::En }).into_string();
        assert!(html.contains(r#"type="tel""#) && html.contains(r#"autocomplete="tel""#));
        assert!(html.contains(r#"value="+33 6""#));
        assert_eq!(
            CrinaPay.test_outcomes(Locale::En).into_string(),
            "<li>CRINA-PAY: any phone number is approved, except one ending in 0002, which is declined</li>"
        );
    }
}
