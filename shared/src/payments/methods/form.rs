//! The inputs of a method's form on the hosted page, as a buyer sees them again after an
//! error: refused fields marked and explained, safe values refilled.
use std::collections::HashMap;

use maud::{html, Markup};

use super::FieldError;
use crate::domain::Locale;
use crate::i18n::label;

/// One text input of a method's form.
pub struct Field {
    /// The posted name, also the input's id.
    pub name: &'static str,
    /// The id of its label's message (`payment-page.ftl`).
    pub label: &'static str,
    pub input_type: &'static str,
    pub autocomplete: &'static str,
    pub inputmode: Option<&'static str>,
    pub placeholder: Option<&'static str>,
    pub maxlength: u32,
    /// Shown again after an error; never true for a card number or a CVC.
    pub refill: bool,
}

/// The last submission of the page: what was refused and what was typed.
pub struct FormState<'a> {
    pub errors: &'a [FieldError],
    pub values: &'a HashMap<String, String>,
    /// The buyer's language.
    pub locale: Locale,
}

impl FormState<'_> {
    pub fn field(&self, field: &Field) -> Markup {
        let errors: Vec<&FieldError> = self.errors.iter().filter(|e| e.field == field.name).collect();
        let error_id = format!("{}-error", field.name);
        let value = field.refill.then(|| self.values.get(field.name)).flatten();
        html! {
            div.field {
                label for=(field.name) { (label(self.locale, field.label)) }
                input id=(field.name) name=(field.name) type=(field.input_type)
                    autocomplete=(field.autocomplete) inputmode=[field.inputmode]
                    placeholder=[field.placeholder] maxlength=(field.maxlength)
                    spellcheck="false" value=[value]
                    aria-invalid=[(!errors.is_empty()).then_some("true")]
                    aria-describedby=[(!errors.is_empty()).then_some(&error_id)];
                @if !errors.is_empty() {
                    p.error id=(error_id) {
                        @for (i, error) in errors.iter().enumerate() {
                            @if i > 0 { " " }
                            (label(self.locale, &error.message))
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A made-up method's inputs: a nickname shown again, a PIN never.
    const NICKNAME: Field = Field {
        name: "nickname",
        label: "field-holder_name",
        input_type: "text",
        autocomplete: "nickname",
        inputmode: None,
        placeholder: Some("Ada"),
        maxlength: 40,
        refill: true,
    };
    const PIN: Field = Field { name: "pin", inputmode: Some("numeric"), refill: false, ..NICKNAME };

    fn values(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn a_refused_field_is_marked_and_explained() {
        let errors = [FieldError::new("nickname", "holder-missing"), FieldError::new("nickname", "holder-too-long")];
        let html =
            FormState { errors: &errors, values: &HashMap::new(), locale: Locale::En }.field(&NICKNAME).into_string();
        assert!(html.contains(r#"aria-invalid="true""#));
        assert!(html.contains(r#"aria-describedby="nickname-error""#));
        assert!(html.contains(r#"<p class="error" id="nickname-error">Enter the name on the card Name on the card is too long (100 characters at most)</p>"#));
        let french =
            FormState { errors: &errors, values: &HashMap::new(), locale: Locale::Fr }.field(&NICKNAME).into_string();
        assert!(
            french.contains(">Nom sur la carte</label>") && french.contains("Saisissez le nom figurant sur la carte")
        );

        let other = [FieldError::new("pin", "phone-invalid")];
        let html =
            FormState { errors: &other, values: &HashMap::new(), locale: Locale::En }.field(&NICKNAME).into_string();
        assert!(!html.contains("aria-invalid") && !html.contains("class=\"error\""));
    }

    #[test]
    fn only_refillable_values_come_back_escaped() {
        let typed = values(&[("nickname", "<b>Ada</b>"), ("pin", "987")]);
        let form = FormState { errors: &[], values: &typed, locale: Locale::En };
        assert!(form.field(&NICKNAME).into_string().contains(r#"value="&lt;b&gt;Ada&lt;/b&gt;""#));
        let secret = form.field(&PIN).into_string();
        assert!(!secret.contains("987") && !secret.contains("value="));
    }
}
