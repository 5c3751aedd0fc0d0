use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use crate::schema::{buildings, projects, residents, rooms};

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = projects)]
pub struct Project {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = buildings)]
pub struct Building {
    pub id: i64,
    pub project_id: i64,
    pub code: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = rooms)]
pub struct Room {
    pub id: i64,
    pub building_id: i64,
    pub kind: String,
    pub unit: String,
    pub floor: i32,
    pub number: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl Room {
    /// The label of the seed's key and archive rules: 栋号-单元-楼层-房号, or the
    /// facility room's name.
    pub fn label(&self, building_code: &str) -> String {
        if self.kind == "facility" && !self.name.is_empty() {
            return format!("{building_code}-{}", self.name);
        }
        let mut parts = vec![building_code.to_owned()];
        if !self.unit.is_empty() {
            parts.push(self.unit.clone());
        }
        parts.push(self.floor.to_string());
        parts.push(self.number.clone());
        parts.join("-")
    }
}

#[derive(Insertable)]
#[diesel(table_name = rooms)]
pub struct NewRoom<'a> {
    pub building_id: i64,
    pub kind: &'a str,
    pub unit: &'a str,
    pub floor: i32,
    pub number: &'a str,
    pub name: &'a str,
}

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = residents)]
pub struct Resident {
    pub id: i64,
    pub room_id: i64,
    pub kind: String,
    pub name: String,
    pub phone: String,
    pub id_type: String,
    /// Sealed at rest (see [`crate::db::sealed`]).
    pub id_number: crate::db::sealed::Sealed,
    pub moved_in: Option<NaiveDate>,
    pub moved_out: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = residents)]
pub struct NewResident<'a> {
    pub room_id: i64,
    pub kind: &'a str,
    pub name: &'a str,
    pub phone: &'a str,
    pub id_type: &'a str,
    pub id_number: crate::db::sealed::Sealed,
    pub moved_in: Option<NaiveDate>,
}

/// A room with its current residents, for the building page.
pub struct RoomRow {
    pub room: Room,
    pub residents: Vec<Resident>,
}
