use askama::Template;

use super::forms::{BuildingInput, GenerateInput, ProjectInput, ResidentInput};
use super::import::Checked;
use super::models::{Building, Project, Resident, Room, RoomRow};
use super::personal::{mask_id, mask_phone};
use crate::web::{FieldErrors, PageCtx};

#[derive(Template)]
#[template(path = "properties/index.html")]
pub struct IndexPage<'a> {
    pub ctx: &'a PageCtx,
    pub projects: Vec<(Project, i64, i64)>,
    pub input: &'a ProjectInput,
    pub errors: &'a FieldErrors,
    pub can_manage: bool,
}

#[derive(Template)]
#[template(path = "properties/project.html")]
pub struct ProjectPage<'a> {
    pub ctx: &'a PageCtx,
    pub project: Project,
    pub buildings: Vec<(Building, i64)>,
    pub input: &'a BuildingInput,
    pub errors: &'a FieldErrors,
    pub can_manage: bool,
}

#[derive(Template)]
#[template(path = "properties/building.html")]
pub struct BuildingPage<'a> {
    pub ctx: &'a PageCtx,
    pub project: Project,
    pub building: Building,
    pub rooms: Vec<RoomRow>,
    pub input: &'a GenerateInput,
    pub errors: &'a FieldErrors,
    pub can_manage: bool,
}

impl BuildingPage<'_> {
    pub fn label(&self, room: &Room) -> String {
        room.label(&self.building.code)
    }
    pub fn phone(&self, r: &Resident) -> String {
        mask_phone(&r.phone)
    }
    pub fn kind(&self, r: &Resident) -> &'static str {
        self.ctx.t_in("properties.resident_kind", &r.kind)
    }
}

#[derive(Template)]
#[template(path = "properties/room.html")]
pub struct RoomPage<'a> {
    pub ctx: &'a PageCtx,
    pub project: Project,
    pub building: Building,
    pub room: Room,
    pub residents: Vec<Resident>,
    /// Personal data shown in full (after the audited request to see it).
    pub revealed: bool,
    pub can_reveal: bool,
    pub can_manage: bool,
    pub input: &'a ResidentInput,
    pub errors: &'a FieldErrors,
}

impl RoomPage<'_> {
    pub fn label(&self) -> String {
        self.room.label(&self.building.code)
    }
    pub fn phone(&self, r: &Resident) -> String {
        if self.revealed {
            r.phone.clone()
        } else {
            mask_phone(&r.phone)
        }
    }
    pub fn id_number(&self, r: &Resident) -> String {
        if self.revealed {
            r.id_number.0.clone()
        } else {
            mask_id(&r.id_number)
        }
    }
    pub fn kind(&self, r: &Resident) -> &'static str {
        self.ctx.t_in("properties.resident_kind", &r.kind)
    }
    pub fn id_type(&self, code: &str) -> &'static str {
        self.ctx.t_in("properties.id_type", code)
    }
    pub const ID_TYPES: [&'static str; 5] =
        ["resident_id", "passport", "hk_macao", "taiwan", "other"];
}

#[derive(Template)]
#[template(path = "properties/import.html")]
pub struct ImportPage<'a> {
    pub ctx: &'a PageCtx,
    pub project: Project,
    pub error: Option<String>,
    /// One-time token (`web::once`).
    pub form_token: String,
}

#[derive(Template)]
#[template(path = "properties/preview.html")]
pub struct PreviewPage<'a> {
    pub ctx: &'a PageCtx,
    pub project: Project,
    pub import_id: i64,
    pub filename: String,
    pub rows: Vec<Checked>,
    pub bad: usize,
    /// Rows naming someone who moved out of that room (not added again).
    pub moved_out: usize,
    /// Rows whose room is recorded with another floor, kind or name.
    pub corrected: usize,
}
