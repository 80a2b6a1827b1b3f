//! Cards on the sandbox page: number (Luhn), expiry, CVC and holder, then the test outcome.
//! The number and CVC live only in this call: no type here can print them.
use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use maud::{html, Markup};

use super::{fingerprint, Authorization, Field, FieldError, FormState, MethodDetails, PaymentMethodKind};
use crate::domain::Locale;
use crate::i18n::label;

pub struct Card;

const DECLINED_CARD: &str = "4000000000000002";
const LATER_CHARGES_FAIL_CARD: &str = "4000000000000341";
/// Stripe's test card that always asks for 3-D Secure: the same number plays it here.
const AUTHENTICATION_CARD: &str = "4000002760003184";
const HOLDER_NAME_MAX_CHARS: usize = 100;

/// The test cards the page lists, and what each does.
const TEST_CARDS: [(&str, &str); 5] = [
    ("4242 4242 4242 4242", "card-test-visa"),
    ("5555 5555 5555 4444", "card-test-mastercard"),
    ("4000 0000 0000 0002", "card-test-declined"),
    ("4000 0000 0000 0341", "card-test-later-fails"),
    ("4000 0027 6000 3184", "card-test-authentication"),
];

const NUMBER: Field = Field {
    name: "card_number",
    label: "field-card_number",
    input_type: "text",
    autocomplete: "cc-number",
    inputmode: Some("numeric"),
    placeholder: Some("1234 1234 1234 1234"),
    maxlength: 23,
    refill: false,
};
const EXP_MONTH: Field = Field {
    name: "exp_month",
    label: "field-exp_month",
    autocomplete: "cc-exp-month",
    placeholder: Some("MM"),
    maxlength: 2,
    refill: true,
    ..NUMBER
};
const EXP_YEAR: Field = Field {
    name: "exp_year",
    label: "field-exp_year",
    autocomplete: "cc-exp-year",
    placeholder: Some("YYYY"),
    maxlength: 4,
    refill: true,
    ..NUMBER
};
const CVC: Field = Field {
    name: "cvc",
    label: "field-cvc",
    autocomplete: "cc-csc",
    placeholder: Some("123"),
    maxlength: 4,
    refill: false,
    ..NUMBER
};
const HOLDER: Field = Field {
    name: "holder_name",
    label: "field-holder_name",
    input_type: "text",
    autocomplete: "cc-name",
    inputmode: None,
    placeholder: None,
    maxlength: HOLDER_NAME_MAX_CHARS as u32,
    refill: true,
};

impl PaymentMethodKind for Card {
    fn id(&self) -> &'static str {
        "card"
    }

    fn display_name(&self) -> &'static str {
        "method-card"
    }

    fn fields(&self) -> &'static [Field] {
        &[NUMBER, EXP_MONTH, EXP_YEAR, CVC, HOLDER]
    }

    /// Expiry and CVC share a row.
    fn form_fields(&self, form: &FormState) -> Markup {
        html! {
            (form.field(&NUMBER))
            div.row {
                (form.field(&EXP_MONTH))
                (form.field(&EXP_YEAR))
                (form.field(&CVC))
            }
            (form.field(&HOLDER))
        }
    }

    fn sandbox_hint(&self) -> Option<&'static str> {
        Some("card-hint")
    }

    fn test_outcomes(&self, locale: Locale) -> Markup {
        html! {
            @for (number, outcome) in TEST_CARDS {
                li { code { (number) } " " (label(locale, outcome)) }
            }
        }
    }

    fn authorize(
        &self,
        form: &HashMap<String, String>,
        today: NaiveDate,
        fingerprint_key: &[u8],
    ) -> Result<Authorization, Vec<FieldError>> {
        let field = |field: &Field| form.get(field.name).map(String::as_str).unwrap_or("");
        let mut errors = Vec::new();

        let number = CardNumber::parse(field(&NUMBER));
        if number.is_none() {
            errors.push(FieldError::new(NUMBER.name, "card-number-invalid"));
        }
        let month = parse_month(field(&EXP_MONTH));
        if month.is_none() {
            errors.push(FieldError::new(EXP_MONTH.name, "exp-month-invalid"));
        }
        let year = parse_year(field(&EXP_YEAR));
        if year.is_none() {
            errors.push(FieldError::new(EXP_YEAR.name, "exp-year-invalid"));
        }
        if let (Some(month), Some(year)) = (month, year) {
            if (year, month) < (today.year(), today.month()) {
                // Point at the part the buyer got wrong: the year if it is already over.
                let wrong = if year < today.year() { &EXP_YEAR } else { &EXP_MONTH };
                errors.push(FieldError::new(wrong.name, "card-expired"));
            }
        }
        if !is_cvc(field(&CVC)) {
            errors.push(FieldError::new(CVC.name, "cvc-invalid"));
        }
        let holder = field(&HOLDER).trim();
        if holder.is_empty() {
            errors.push(FieldError::new(HOLDER.name, "holder-missing"));
        } else if holder.chars().count() > HOLDER_NAME_MAX_CHARS {
            errors.push(FieldError::new(HOLDER.name, "holder-too-long"));
        }

        let (Some(number), Some(month), Some(year), true) = (number, month, year, errors.is_empty()) else {
            return Err(errors);
        };
        let declined = number.digits() == DECLINED_CARD;
        Ok(Authorization {
            approved: !declined,
            decline_reason: declined.then(|| "card-declined".to_owned()),
            details: MethodDetails {
                method_type: self.id().to_owned(),
                brand: Some(number.brand().to_owned()),
                last4: Some(number.last4().to_owned()),
                exp_month: Some(month),
                exp_year: Some(year),
                phone_last4: None,
                fingerprint: fingerprint(fingerprint_key, number.digits()),
            },
            later_charges_fail: number.digits() == LATER_CHARGES_FAIL_CARD,
            requires_authentication: number.digits() == AUTHENTICATION_CARD,
        })
    }
}

/// The digits of a card number that passed the Luhn check. Deliberately neither `Debug`
/// nor `Display`: the full number must never reach a log or a page.
struct CardNumber(String);

impl CardNumber {
    fn parse(raw: &str) -> Option<Self> {
        let mut digits = String::with_capacity(19);
        for c in raw.trim().chars() {
            match c {
                ' ' | '-' => {}
                '0'..='9' => digits.push(c),
                _ => return None,
            }
        }
        ((12..=19).contains(&digits.len()) && passes_luhn(&digits)).then_some(Self(digits))
    }

    fn digits(&self) -> &str {
        &self.0
    }

    fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    fn brand(&self) -> &'static str {
        let prefix = |n: usize| self.0[..n].parse::<u32>().unwrap_or(0);
        match (prefix(1), prefix(2), prefix(4)) {
            (4, _, _) => "visa",
            (_, 51..=55, _) | (_, _, 2221..=2720) => "mastercard",
            (_, 34 | 37, _) => "amex",
            _ => "card",
        }
    }
}

/// `digits` is ASCII digits only.
fn passes_luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            match (i % 2 == 1, d * 2) {
                (false, _) => d,
                (true, doubled) if doubled > 9 => doubled - 9,
                (true, doubled) => doubled,
            }
        })
        .sum();
    sum % 10 == 0
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn parse_month(raw: &str) -> Option<u32> {
    let raw = raw.trim();
    if !all_digits(raw) || raw.len() > 2 {
        return None;
    }
    raw.parse().ok().filter(|m| (1..=12).contains(m))
}

/// Four digits, or two meaning 20YY.
fn parse_year(raw: &str) -> Option<i32> {
    let raw = raw.trim();
    if !all_digits(raw) {
        return None;
    }
    let year: i32 = raw.parse().ok()?;
    match raw.len() {
        2 => Some(2000 + year),
        4 => Some(year),
        _ => None,
    }
}

fn is_cvc(raw: &str) -> bool {
    let raw = raw.trim();
    all_digits(raw) && (3..=4).contains(&raw.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"test-fingerprint-key";

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 15).expect("valid date")
    }

    fn form(number: &str, month: &str, year: &str, cvc: &str, holder: &str) -> HashMap<String, String> {
        [("card_number", number), ("exp_month", month), ("exp_year", year), ("cvc", cvc), ("holder_name", holder)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn pay(number: &str) -> Result<Authorization, Vec<FieldError>> {
        Card.authorize(&form(number, "12", "2030", "123", "Ada Lovelace"), today(), KEY)
    }

    fn approved(number: &str) -> Authorization {
        match pay(number) {
            Ok(auth) => auth,
            Err(errors) => panic!("refused: {errors:?}"),
        }
    }

    fn fields(result: Result<Authorization, Vec<FieldError>>) -> Vec<&'static str> {
        match result {
            Ok(_) => panic!("expected field errors"),
            Err(errors) => errors.iter().map(|e| e.field).collect(),
        }
    }

    #[test]
    fn luhn_accepts_valid_numbers_and_refuses_others() {
        assert!(passes_luhn("4242424242424242"));
        assert!(passes_luhn("5555555555554444"));
        assert!(passes_luhn("378282246310005"));
        assert!(!passes_luhn("4242424242424241"));
        assert!(!passes_luhn("1234567812345678"));
        assert_eq!(fields(pay("4242424242424241")), ["card_number"]);
    }

    #[test]
    fn card_number_allows_spaces_and_dashes_only_and_12_to_19_digits() {
        assert!(pay("4242 4242 4242 4242").is_ok());
        assert!(pay("4242-4242-4242-4242").is_ok());
        assert_eq!(fields(pay("4242x4242424242424")), ["card_number"]);
        assert_eq!(fields(pay("")), ["card_number"]);
        assert_eq!(fields(pay("0000000000")), ["card_number"]); // Luhn-valid, too short
        assert_eq!(fields(pay("00000000000000000000")), ["card_number"]); // too long
        assert!(pay("000000000000").is_ok()); // 12 digits
    }

    #[test]
    fn visa_test_card_is_approved() {
        let auth = approved("4242424242424242");
        assert!(auth.approved);
        assert!(!auth.later_charges_fail);
        assert_eq!(auth.decline_reason, None);
        let d = auth.details;
        assert_eq!(d.method_type, "card");
        assert_eq!(d.brand.as_deref(), Some("visa"));
        assert_eq!(d.last4.as_deref(), Some("4242"));
        assert_eq!((d.exp_month, d.exp_year), (Some(12), Some(2030)));
        assert_eq!(d.phone_last4, None);
    }

    #[test]
    fn mastercard_test_card_is_approved() {
        let auth = approved("5555555555554444");
        assert!(auth.approved);
        assert_eq!(auth.details.brand.as_deref(), Some("mastercard"));
        assert_eq!(auth.details.last4.as_deref(), Some("4444"));
    }

    #[test]
    fn decline_test_card_is_declined_with_a_reason() {
        let auth = approved("4000000000000002");
        assert!(!auth.approved);
        assert_eq!(auth.decline_reason.as_deref(), Some("card-declined"));
        assert!(!auth.later_charges_fail);
    }

    #[test]
    fn later_charges_fail_test_card_is_approved_now() {
        let auth = approved("4000000000000341");
        assert!(auth.approved);
        assert!(auth.later_charges_fail);
    }

    #[test]
    fn any_other_luhn_valid_number_is_approved() {
        let auth = approved("378282246310005");
        assert!(auth.approved);
        assert_eq!(auth.details.brand.as_deref(), Some("amex"));
    }

    #[test]
    fn brand_follows_the_number() {
        let brand = |n: &str| CardNumber::parse(n).map(|c| c.brand());
        assert_eq!(brand("2223003122003222"), Some("mastercard"));
        assert_eq!(brand("2720990000000007"), Some("mastercard"));
        assert_eq!(brand("371449635398431"), Some("amex"));
        assert_eq!(brand("6011111111111117"), Some("card"));
        assert_eq!(brand("2220990000000002"), Some("card"));
    }

    #[test]
    fn expiry_this_month_is_accepted_and_last_month_refused() {
        let this_month = Card.authorize(&form("4242424242424242", "3", "2026", "123", "A"), today(), KEY);
        assert!(this_month.is_ok());
        let last_month = Card.authorize(&form("4242424242424242", "2", "2026", "123", "A"), today(), KEY);
        match last_month {
            Err(errors) => {
                assert_eq!(errors.len(), 1);
                assert_eq!(errors[0].field, "exp_month");
                assert_eq!(errors[0].message, "card-expired");
            }
            Ok(_) => panic!("an expired card was accepted"),
        }
        let last_year = Card.authorize(&form("4242424242424242", "12", "2025", "123", "A"), today(), KEY);
        assert_eq!(fields(last_year), ["exp_year"]);
    }

    #[test]
    fn two_digit_year_means_20yy() {
        let auth = Card.authorize(&form("4242424242424242", "03", "26", "123", "A"), today(), KEY);
        assert_eq!(auth.ok().and_then(|a| a.details.exp_year), Some(2026));
        let expired = Card.authorize(&form("4242424242424242", "12", "25", "123", "A"), today(), KEY);
        assert_eq!(fields(expired), ["exp_year"]);
        let three_digits = Card.authorize(&form("4242424242424242", "12", "203", "123", "A"), today(), KEY);
        assert_eq!(fields(three_digits), ["exp_year"]);
    }

    #[test]
    fn month_cvc_and_holder_rules() {
        let check = |month: &str, cvc: &str, holder: &str| {
            Card.authorize(&form("4242424242424242", month, "2030", cvc, holder), today(), KEY)
        };
        assert_eq!(fields(check("0", "123", "A")), ["exp_month"]);
        assert_eq!(fields(check("13", "123", "A")), ["exp_month"]);
        assert!(check("12", "1234", "A").is_ok());
        assert_eq!(fields(check("12", "12", "A")), ["cvc"]);
        assert_eq!(fields(check("12", "12a", "A")), ["cvc"]);
        assert_eq!(fields(check("12", "12345", "A")), ["cvc"]);
        assert_eq!(fields(check("12", "123", "   ")), ["holder_name"]);
        assert!(check("12", "123", &"é".repeat(100)).is_ok());
        assert_eq!(fields(check("12", "123", &"a".repeat(101))), ["holder_name"]);
    }

    #[test]
    fn all_field_errors_are_reported_at_once() {
        let result = Card.authorize(&form("1234", "13", "abc", "1", ""), today(), KEY);
        assert_eq!(fields(result), ["card_number", "exp_month", "exp_year", "cvc", "holder_name"]);
        let missing = Card.authorize(&HashMap::new(), today(), KEY);
        assert_eq!(fields(missing), ["card_number", "exp_month", "exp_year", "cvc", "holder_name"]);
    }

    #[test]
    fn fingerprint_ignores_spacing_and_tells_cards_apart() {
        let plain = approved("4242424242424242").details.fingerprint;
        let spaced = approved(" 4242 4242-4242 4242 ").details.fingerprint;
        let other = approved("5555555555554444").details.fingerprint;
        assert_eq!(plain, spaced);
        assert_ne!(plain, other);
        assert_eq!(plain.len(), 64);
        assert!(plain.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert!(!plain.contains("4242424242424242"));
    }

    #[test]
    fn the_listed_test_cards_do_what_the_page_says() {
        let [visa, mastercard, declined, later_fail, authentication] = TEST_CARDS.map(|(number, _)| approved(number));
        assert!(authentication.approved && authentication.requires_authentication);
        assert!(!visa.requires_authentication && !later_fail.requires_authentication);
        assert!(visa.approved && visa.details.brand.as_deref() == Some("visa"));
        assert!(mastercard.approved && mastercard.details.brand.as_deref() == Some("mastercard"));
        assert!(!declined.approved);
        assert!(later_fail.approved && later_fail.later_charges_fail);
        let listed = Card.test_outcomes(Locale::En).into_string();
        assert!(listed.starts_with("<li><code>4242 4242 4242 4242</code> Visa, approved</li>"));
        assert_eq!(listed.matches("<li>").count(), TEST_CARDS.len());
    }

    #[test]
    fn the_form_puts_expiry_and_cvc_on_one_row_and_never_refills_number_or_cvc() {
        let typed: HashMap<String, String> = form("4242424242424242", "12", "2030", "987", "Ada").into_iter().collect();
        let html = Card.form_fields(&FormState { errors: &[], values: &typed, locale: Locale::En }).into_string();
        let row = html.find(r#"<div class="row">"#).unwrap_or(usize::MAX);
        let at = |id: &str| html.find(&format!(r#"id="{id}""#)).unwrap_or(0);
        assert!(at("card_number") < row && row < at("exp_month") && at("cvc") < at("holder_name"));
        assert!(html.contains(r#"autocomplete="cc-number""#) && html.contains(r#"inputmode="numeric""#));
        assert!(!html.contains("4242424242424242") && !html.contains("987"));
        assert!(html.contains(r#"value="12""#) && html.contains(r#"value="2030""#) && html.contains(r#"value="Ada""#));
    }

    #[test]
    fn errors_never_echo_the_number_or_cvc() {
        let result = Card.authorize(&form("4242424242424241", "1", "2020", "9876", ""), today(), KEY);
        let text = format!("{result:?}");
        assert!(!text.contains("4242424242424241"));
        assert!(!text.contains("9876"));
    }
}
