//! The property forms: raw input and its checks.
use serde::Deserialize;

use super::{import, personal};
use crate::web::FieldErrors;

#[derive(Deserialize, Default, Debug, Clone)]
pub struct ProjectInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    /// One-time token (`web::once`).
    #[serde(default)]
    pub form_token: String,
}

impl ProjectInput {
    pub fn validate(&self, errors: &mut FieldErrors) -> Option<(String, String)> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            errors.add("name", "properties.error.project_name");
        }
        let address = self.address.trim();
        if address.chars().count() > 200 {
            errors.add("address", "properties.error.address_too_long");
        }
        errors
            .is_empty()
            .then(|| (name.to_owned(), address.to_owned()))
    }
}

#[derive(Deserialize, Default, Debug, Clone)]
pub struct BuildingInput {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    /// One-time token (`web::once`).
    #[serde(default)]
    pub form_token: String,
}

impl BuildingInput {
    pub fn validate(&self, errors: &mut FieldErrors) -> Option<(String, String)> {
        let code = self.code.trim();
        if code.is_empty() || code.chars().count() > 20 {
            errors.add("code", "properties.error.building_code");
        }
        let name = self.name.trim();
        if name.chars().count() > 100 {
            errors.add("name", "properties.error.building_name_too_long");
        }
        errors
            .is_empty()
            .then(|| (code.to_owned(), name.to_owned()))
    }
}

/// Rooms made in one go: units × floors × rooms per floor, numbered floor and
/// position (3rd floor, 2nd room → 302).
#[derive(Deserialize, Default, Debug, Clone)]
pub struct GenerateInput {
    #[serde(default)]
    pub units: String,
    #[serde(default)]
    pub floor_from: String,
    #[serde(default)]
    pub floor_to: String,
    #[serde(default)]
    pub per_floor: String,
}

pub struct Generate {
    pub units: Vec<String>,
    pub floors: std::ops::RangeInclusive<i32>,
    pub per_floor: i32,
}

pub const MAX_GENERATED: usize = 5000;

impl GenerateInput {
    pub fn validate(&self, errors: &mut FieldErrors) -> Option<Generate> {
        let mut units: Vec<String> = self
            .units
            .split([',', '，', ' ', '、'])
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned)
            .collect();
        if units.iter().any(|u| u.chars().count() > 20) {
            errors.add("units", "properties.error.units");
        }
        if units.is_empty() {
            units.push(String::new());
        }
        let from = self
            .floor_from
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|f| (-10..=200).contains(f) && *f != 0);
        let to = self
            .floor_to
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|f| (-10..=200).contains(f) && *f != 0);
        if from.is_none() {
            errors.add("floor_from", "properties.error.floor");
        }
        if to.is_none() {
            errors.add("floor_to", "properties.error.floor");
        }
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                errors.add("floor_to", "properties.error.floor_order");
            }
        }
        let per_floor = self
            .per_floor
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|n| (1..=50).contains(n));
        if per_floor.is_none() {
            errors.add("per_floor", "properties.error.per_floor");
        }
        let (Some(f), Some(t), Some(n)) = (from, to, per_floor) else {
            return None;
        };
        let floors = (t - f + 1).max(0) as usize;
        if units.len() * floors * n as usize > MAX_GENERATED {
            errors.add("per_floor", "properties.error.too_many_rooms");
        }
        if !errors.is_empty() {
            return None;
        }
        Some(Generate {
            units,
            floors: f..=t,
            per_floor: n,
        })
    }
}

/// Room number for position `i` (1-based) on `floor`: 302, 1201, B101 underground.
pub fn room_number(floor: i32, i: i32) -> String {
    if floor < 0 {
        format!("B{}{i:02}", -floor)
    } else {
        format!("{floor}{i:02}")
    }
}

#[derive(Deserialize, Default, Debug, Clone)]
pub struct ResidentInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub id_type: String,
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub moved_in: String,
    /// One-time token (`web::once`).
    #[serde(default)]
    pub form_token: String,
}

pub struct ValidResident {
    pub kind: &'static str,
    pub name: String,
    pub phone: String,
    pub id_type: &'static str,
    pub id_number: String,
    pub moved_in: Option<chrono::NaiveDate>,
}

impl ResidentInput {
    pub fn validate(
        &self,
        errors: &mut FieldErrors,
        today: chrono::NaiveDate,
    ) -> Option<ValidResident> {
        let kind = match self.kind.as_str() {
            "owner" => Some("owner"),
            "tenant" => Some("tenant"),
            _ => {
                errors.add("kind", "properties.error.resident_kind");
                None
            }
        };
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 64 {
            errors.add("name", "properties.error.resident_name");
        }
        let phone = if self.phone.trim().is_empty() {
            Some(String::new())
        } else {
            let p = personal::check_phone(&self.phone);
            if p.is_none() {
                errors.add("phone", "properties.error.phone_invalid");
            }
            p
        };
        let id_type = import::id_type(self.id_type.as_str());
        if id_type.is_none() {
            errors.add("id_type", "properties.error.id_type");
        }
        let id_number = match (id_type, self.id_number.trim()) {
            (_, "") => Some(String::new()),
            (Some("resident_id"), raw) => match personal::check_resident_id(raw, today) {
                Ok(id) => Some(id),
                Err(e) => {
                    errors.add("id_number", e.key());
                    None
                }
            },
            (_, raw) if raw.chars().count() > 40 => {
                errors.add("id_number", "properties.error.id_too_long");
                None
            }
            (_, raw) => Some(raw.to_owned()),
        };
        let moved_in = match self.moved_in.trim() {
            "" => Some(None),
            s => match crate::web::form::date(s) {
                Some(d) => Some(Some(d)),
                None => {
                    errors.add("moved_in", "properties.error.date");
                    None
                }
            },
        };
        if !errors.is_empty() {
            return None;
        }
        Some(ValidResident {
            kind: kind?,
            name,
            phone: phone?,
            id_type: id_type?,
            id_number: id_number?,
            moved_in: moved_in?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_numbers_follow_floor_and_position() {
        assert_eq!(room_number(3, 2), "302");
        assert_eq!(room_number(12, 1), "1201");
        assert_eq!(room_number(-1, 1), "B101");
    }

    #[test]
    fn generation_is_bounded() {
        let mut e = FieldErrors::new(crate::i18n::Locale::ZhCn);
        let g = GenerateInput {
            units: "1, 2".into(),
            floor_from: "1".into(),
            floor_to: "100".into(),
            per_floor: "50".into(),
        };
        assert!(g.validate(&mut e).is_none());
        assert!(e.has("per_floor"));
    }
}
