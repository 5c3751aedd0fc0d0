use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde_json::json;

use super::forms::{self, BuildingInput, GenerateInput, ProjectInput, ResidentInput};
use super::import::{self, ReadError};
use super::models::{NewResident, NewRoom};
use super::queries;
use super::views::*;
use crate::audit;
use crate::auth::Right;
use crate::db::{is_unique_violation, DbConn};
use crate::error::AppError;
use crate::web::context::{flash, Tone};
use crate::web::once;
use crate::web::{html, see_other, FieldErrors, Form, Upload, UserPage};
use diesel_async::AsyncConnection;

async fn index_page(
    page: &UserPage,
    conn: &mut DbConn,
    input: &ProjectInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let projects = queries::projects(conn).await?;
    let body = IndexPage {
        ctx: page.ctx(),
        projects,
        input,
        errors,
        can_manage: page.user().may(Right::ManageProperties),
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /properties
pub async fn index(page: UserPage, mut conn: DbConn) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewProperties)?;
    let errors = FieldErrors::new(page.locale);
    let input = ProjectInput {
        form_token: once::new_token(),
        ..Default::default()
    };
    index_page(&page, &mut conn, &input, &errors, StatusCode::OK).await
}

/// POST /properties
pub async fn create_project(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    Form(mut input): Form<ProjectInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageProperties)?;
    let mut errors = FieldErrors::new(page.locale);
    let token = once::check(
        &mut conn,
        &session,
        &page,
        &mut input.form_token,
        &mut errors,
    )
    .await?;
    let (Some((name, address)), Some(token)) = (input.validate(&mut errors), token) else {
        return index_page(
            &page,
            &mut conn,
            &input,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let meta = page.meta();
    let me = page.user().id;
    let result = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(None);
            }
            let id = queries::create_project(conn, &name, &address).await?;
            audit::record(
                conn,
                &meta,
                "project.created",
                Some(("project", id.to_string())),
                json!({ "name": name }),
            )
            .await?;
            token.filed(conn, format!("/properties/{id}")).await
        })
        .await;
    match result {
        Ok(filed) => {
            once::answer(
                &mut conn,
                &session,
                &page,
                &token,
                filed,
                "properties.project_created",
            )
            .await
        }
        Err(e) if is_unique_violation(&e) => {
            errors.add("name", "properties.error.project_taken");
            index_page(
                &page,
                &mut conn,
                &input,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn project_page(
    page: &UserPage,
    conn: &mut DbConn,
    id: i64,
    input: &BuildingInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let project = queries::project(conn, id).await?;
    let buildings = queries::buildings(conn, id).await?;
    let body = ProjectPage {
        ctx: page.ctx(),
        project,
        buildings,
        input,
        errors,
        can_manage: page.user().may(Right::ManageProperties),
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /properties/{id}
pub async fn project(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewProperties)?;
    let errors = FieldErrors::new(page.locale);
    let input = BuildingInput {
        form_token: once::new_token(),
        ..Default::default()
    };
    let id = path.into_inner();
    project_page(&page, &mut conn, id, &input, &errors, StatusCode::OK).await
}

/// POST /properties/{id}/buildings
pub async fn create_building(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(mut input): Form<BuildingInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageProperties)?;
    let project_id = path.into_inner();
    queries::project(&mut conn, project_id).await?;
    let mut errors = FieldErrors::new(page.locale);
    let token = once::check(
        &mut conn,
        &session,
        &page,
        &mut input.form_token,
        &mut errors,
    )
    .await?;
    let (Some((code, name)), Some(token)) = (input.validate(&mut errors), token) else {
        return project_page(
            &page,
            &mut conn,
            project_id,
            &input,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let meta = page.meta();
    let me = page.user().id;
    let result = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(None);
            }
            let id = queries::create_building(conn, project_id, &code, &name).await?;
            audit::record(
                conn,
                &meta,
                "building.created",
                Some(("building", id.to_string())),
                json!({ "code": code }),
            )
            .await?;
            token
                .filed(conn, format!("/properties/buildings/{id}"))
                .await
        })
        .await;
    match result {
        Ok(filed) => {
            let ok = "properties.building_created";
            once::answer(&mut conn, &session, &page, &token, filed, ok).await
        }
        Err(e) if is_unique_violation(&e) => {
            errors.add("code", "properties.error.building_taken");
            project_page(
                &page,
                &mut conn,
                project_id,
                &input,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn building_page(
    page: &UserPage,
    conn: &mut DbConn,
    id: i64,
    input: &GenerateInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let building = queries::building(conn, id).await?;
    let project = queries::project(conn, building.project_id).await?;
    let rooms = queries::rooms_of(conn, id).await?;
    let body = BuildingPage {
        ctx: page.ctx(),
        project,
        building,
        rooms,
        input,
        errors,
        can_manage: page.user().may(Right::ManageProperties),
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /properties/buildings/{id}: every room, in archive order, with residents.
pub async fn building(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewProperties)?;
    let errors = FieldErrors::new(page.locale);
    let input = GenerateInput {
        floor_from: "1".into(),
        ..Default::default()
    };
    building_page(
        &page,
        &mut conn,
        path.into_inner(),
        &input,
        &errors,
        StatusCode::OK,
    )
    .await
}

/// POST /properties/buildings/{id}/generate: units × floors × rooms per floor at once.
pub async fn generate(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(input): Form<GenerateInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageProperties)?;
    let id = path.into_inner();
    queries::building(&mut conn, id).await?;
    let mut errors = FieldErrors::new(page.locale);
    let Some(g) = input.validate(&mut errors) else {
        return building_page(
            &page,
            &mut conn,
            id,
            &input,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let mut numbers = Vec::new();
    for unit in &g.units {
        // Floors count 1 up from the ground and −1 down: there is no floor 0.
        for floor in g.floors.clone().filter(|f| *f != 0) {
            for i in 1..=g.per_floor {
                numbers.push((unit.as_str(), floor, forms::room_number(floor, i)));
            }
        }
    }
    let new: Vec<NewRoom> = numbers
        .iter()
        .map(|(unit, floor, number)| NewRoom {
            building_id: id,
            kind: "home",
            unit,
            floor: *floor,
            number,
            name: "",
        })
        .collect();
    let meta = page.meta();
    let created = conn
        .transaction::<_, AppError, _>(async |conn| {
            let n = queries::insert_rooms(conn, &new).await?;
            audit::record(
                conn,
                &meta,
                "rooms.generated",
                Some(("building", id.to_string())),
                json!({ "created": n, "asked": new.len() }),
            )
            .await?;
            Ok(n)
        })
        .await?;
    flash(
        &session,
        Tone::Ok,
        page.tf(
            "properties.rooms_generated",
            &[("created", &created), ("skipped", &(new.len() - created))],
        ),
    );
    Ok(see_other(&format!("/properties/buildings/{id}")))
}

async fn room_page(
    page: &UserPage,
    conn: &mut DbConn,
    id: i64,
    revealed: bool,
    input: &ResidentInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let room = queries::room(conn, id).await?;
    let building = queries::building(conn, room.building_id).await?;
    let project = queries::project(conn, building.project_id).await?;
    let residents = queries::residents_of(conn, id).await?;
    let body = RoomPage {
        ctx: page.ctx(),
        project,
        building,
        room,
        residents,
        revealed,
        can_reveal: page.user().may(Right::RevealPersonalData),
        can_manage: page.user().may(Right::ManageProperties),
        input,
        errors,
    }
    .render()?;
    Ok(html(status, body))
}

fn blank_resident() -> ResidentInput {
    ResidentInput {
        kind: "owner".into(),
        id_type: "resident_id".into(),
        form_token: once::new_token(),
        ..Default::default()
    }
}

/// GET /properties/rooms/{id}: the room and its residents, personal data masked.
pub async fn room(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewProperties)?;
    let errors = FieldErrors::new(page.locale);
    room_page(
        &page,
        &mut conn,
        path.into_inner(),
        false,
        &blank_resident(),
        &errors,
        StatusCode::OK,
    )
    .await
}

/// POST /properties/rooms/{id}/reveal: the same page with ID numbers and phones in
/// full, for those who need them; the view is audited before it is shown.
pub async fn reveal(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RevealPersonalData)?;
    let id = path.into_inner();
    // No audit line for a room that does not exist.
    queries::room(&mut conn, id).await?;
    let residents = queries::residents_of(&mut conn, id).await?;
    let ids: Vec<i64> = residents.iter().map(|r| r.id).collect();
    audit::record(
        &mut conn,
        &page.meta(),
        "resident.personal_data_viewed",
        Some(("room", id.to_string())),
        json!({ "residents": ids }),
    )
    .await?;
    let errors = FieldErrors::new(page.locale);
    room_page(
        &page,
        &mut conn,
        id,
        true,
        &blank_resident(),
        &errors,
        StatusCode::OK,
    )
    .await
}

/// POST /properties/rooms/{id}/residents
pub async fn add_resident(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(mut input): Form<ResidentInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageProperties)?;
    let id = path.into_inner();
    queries::room(&mut conn, id).await?;
    let mut errors = FieldErrors::new(page.locale);
    let token = once::check(
        &mut conn,
        &session,
        &page,
        &mut input.form_token,
        &mut errors,
    )
    .await?;
    // The room's page again, the input kept, with the form's messages.
    let refuse = async |conn: &mut DbConn, errors: &FieldErrors| {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        room_page(&page, conn, id, false, &input, errors, status).await
    };
    let (Some(v), Some(token)) = (input.validate(&mut errors, page.today()), token) else {
        return refuse(&mut conn, &errors).await;
    };
    let meta = page.meta();
    let me = page.user().id;
    let mut holder = None;
    let saved = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(None);
            }
            // One ID number, one person: a second current resident of the room
            // with it is refused (the same person under another name, or a
            // number mistyped). The room is locked, so two forms cannot both
            // pass; the refusal undoes the claim, so the form can be sent again.
            queries::lock_room(conn, id).await?;
            if !v.id_number.is_empty() {
                holder = queries::resident_with_id_number(conn, id, &v.id_number).await?;
                if holder.is_some() {
                    return Err(diesel::result::Error::RollbackTransaction);
                }
            }
            let rid = queries::insert_resident(
                conn,
                &NewResident {
                    room_id: id,
                    kind: v.kind,
                    name: &v.name,
                    phone: &v.phone,
                    id_type: v.id_type,
                    id_number: v.id_number.as_str().into(),
                    moved_in: v.moved_in,
                },
            )
            .await?;
            // The audit row names the resident, never the personal data itself.
            audit::record(
                conn,
                &meta,
                "resident.created",
                Some(("resident", rid.to_string())),
                json!({ "room": id, "kind": v.kind }),
            )
            .await?;
            token.filed(conn, format!("/properties/rooms/{id}")).await
        })
        .await;
    if let Some(name) = holder {
        // Telling that a resident of the room holds the number typed is a look
        // at personal data: on record like a reveal.
        audit::record(
            &mut conn,
            &meta,
            "resident.id_number_matched",
            Some(("room", id.to_string())),
            json!({ "room": id }),
        )
        .await?;
        // Whose number it is is personal data too: named only to those who
        // may see residents' ID numbers.
        if page.may(Right::RevealPersonalData) {
            let message = page.tf("properties.error.id_number_taken", &[("name", &name)]);
            errors.add_text("id_number", message);
        } else {
            errors.add("id_number", "properties.error.id_number_taken_unnamed");
        }
        return refuse(&mut conn, &errors).await;
    }
    match saved {
        Ok(filed) => {
            let ok = "properties.resident_added";
            once::answer(&mut conn, &session, &page, &token, filed, ok).await
        }
        // Already recorded (by someone else just now, or on another form).
        Err(e) if is_unique_violation(&e) => {
            errors.add("name", "properties.error.resident_exists");
            return refuse(&mut conn, &errors).await;
        }
        Err(e) => Err(e.into()),
    }
}

/// GET /properties/import-template.csv
pub async fn import_template(page: UserPage) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageProperties)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(crate::web::export::attachment(
            page.locale.t("properties.import.template_file"),
            "rooms-template",
            "csv",
        ))
        .body(import::template_csv(page.locale)))
}

/// GET /properties/{id}/import
pub async fn import_form(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageProperties)?;
    let project = queries::project(&mut conn, path.into_inner()).await?;
    let body = ImportPage {
        ctx: page.ctx(),
        project,
        error: None,
        form_token: once::new_token(),
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// POST /properties/{id}/import: keeps the file and shows its preview. The
/// form's one-time token makes a second submit (a double click, the back
/// button) lead to the preview the first one made, keeping the file once.
pub async fn upload(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    upload: Upload,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageProperties)?;
    let project = queries::project(&mut conn, path.into_inner()).await?;
    let mut form_token = upload.fields.get("form_token").cloned().unwrap_or_default();
    let mut errors = FieldErrors::new(page.locale);
    let token = once::check(&mut conn, &session, &page, &mut form_token, &mut errors).await?;
    let file = upload.file("file");
    let (Some(file), Some(token)) = (file, token) else {
        let error = match file {
            None => page.t("properties.import.no_file").to_owned(),
            Some(_) => errors.get("form_token").to_owned(),
        };
        let body = ImportPage {
            ctx: page.ctx(),
            project,
            error: Some(error),
            form_token,
        }
        .render()?;
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, body));
    };
    let me = page.user().id;
    let filed = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(None);
            }
            let id =
                queries::create_import(conn, project.id, me, &file.filename, &file.content).await?;
            Ok(token
                .filed(conn, format!("/properties/imports/{id}"))
                .await?)
        })
        .await?;
    once::answer(
        &mut conn,
        &session,
        &page,
        &token,
        filed,
        "properties.import.uploaded",
    )
    .await
}

fn read_error(page: &UserPage, e: ReadError) -> String {
    match e {
        ReadError::Unreadable => page.t("properties.import.unreadable").to_owned(),
        ReadError::Empty => page.t("properties.import.empty").to_owned(),
        ReadError::TooManyRows => {
            page.tf("properties.import.too_many", &[("max", &import::MAX_ROWS)])
        }
        ReadError::MissingColumns(m) => {
            // Either header is read; the reader's language names both.
            let names: Vec<String> = m
                .iter()
                .map(|(zh, en)| match page.locale {
                    crate::i18n::Locale::ZhCn => (*zh).to_owned(),
                    crate::i18n::Locale::En => format!("{en} ({zh})"),
                })
                .collect();
            let columns = names.join(page.t("paper.list_separator"));
            page.tf(
                "properties.import.missing_columns",
                &[("columns", &columns)],
            )
        }
    }
}

/// An import of this user's (an import is only ever seen by who uploaded it),
/// still open; else where its uploader goes instead, told why: the project
/// once it is committed, the upload form once its file was forgotten.
async fn open_import(
    page: &UserPage,
    session: &Session,
    conn: &mut DbConn,
    id: i64,
) -> Result<Result<queries::ImportRecord, HttpResponse>, AppError> {
    let record = queries::import(conn, id).await?;
    if record.user_id != page.user().id {
        return Err(AppError::NotFound);
    }
    // Committed: its file (names, ID numbers, phones) is gone; the rows are
    // the project's now.
    if record.committed_at.is_some() {
        flash(session, Tone::Ok, page.t("properties.import.already"));
        return Ok(Err(see_other(&format!(
            "/properties/{}",
            record.project_id
        ))));
    }
    if record.forgotten_at.is_some() {
        flash(
            session,
            Tone::Error,
            page.tf(
                "properties.import.expired",
                &[
                    ("file", &record.filename),
                    ("hours", &queries::UNCOMMITTED_KEEP_HOURS.to_string()),
                ],
            ),
        );
        return Ok(Err(see_other(&format!(
            "/properties/{}/import",
            record.project_id
        ))));
    }
    Ok(Ok(record))
}

/// GET /properties/imports/{id}: every row with its problems; commit when none.
pub async fn preview(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageProperties)?;
    let id = path.into_inner();
    let record = match open_import(&page, &session, &mut conn, id).await? {
        Ok(record) => record,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let (filename, content) = (record.filename, record.content);
    let project = queries::project(&mut conn, record.project_id).await?;
    let checked = import::read_stored(&filename, &content)
        .and_then(|cells| import::check(&cells, page.locale, page.today()));
    let rows = match checked {
        Ok(rows) => rows,
        Err(e) => {
            let body = ImportPage {
                ctx: page.ctx(),
                project,
                error: Some(read_error(&page, e)),
                form_token: once::new_token(),
            }
            .render()?;
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, body));
        }
    };
    let bad = rows.iter().filter(|r| !r.errors.is_empty()).count();
    let mut rows = rows;
    let valid: Vec<&import::ImportRow> = rows.iter().filter_map(|r| r.row.as_ref()).collect();
    let gone = queries::moved_out_of_listed(&mut conn, project.id, &valid).await?;
    let held = queries::number_held_in_listed(&mut conn, project.id, &valid).await?;
    let held_rows: Vec<bool> = held.iter().map(Option::is_some).collect();
    let changed = queries::rooms_changed(&mut conn, project.id, &valid).await?;
    let mut notes = gone.into_iter().zip(held).zip(changed);
    let (mut moved_out, mut corrected) = (0, 0);
    for r in rows.iter_mut().filter(|r| r.row.is_some()) {
        let Some(((gone, held), was)) = notes.next() else {
            break;
        };
        let mut said = Vec::new();
        if let Some(was) = was {
            let listed = r.row.as_ref().expect("filtered on");
            said.push(page.tf(
                "properties.import.corrects",
                &[("changes", &room_changes(&page, &was, listed))],
            ));
            corrected += 1;
        }
        match (gone, held) {
            (Some(day), _) => {
                said.push(page.tf("properties.import.moved_out", &[("day", &day)]));
                moved_out += 1;
            }
            (None, Some(name)) => said.push(if page.may(Right::RevealPersonalData) {
                page.tf("properties.import.number_held", &[("name", &name)])
            } else {
                page.t("properties.import.number_held_unnamed").to_owned()
            }),
            _ => {}
        }
        r.notes = said;
    }
    // The preview tells whether a room's resident holds a number typed in the
    // list: a look at personal data, on record like a reveal, with whose (the
    // rooms: the list itself is deleted unless it is imported).
    let matched: Vec<String> = rows
        .iter()
        .filter_map(|r| r.row.as_ref())
        .zip(held_rows)
        .filter(|(_, held)| *held)
        .map(|(r, _)| {
            [r.building.as_str(), r.unit.as_str(), r.number.as_str()]
                .iter()
                .filter(|part| !part.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect();
    if !matched.is_empty() {
        audit::record(
            &mut conn,
            &page.meta(),
            "rooms.import_ids_matched",
            Some(("project", project.id.to_string())),
            json!({ "import": id, "id_matches": matched.len(), "matched_rooms": matched }),
        )
        .await?;
    }
    let body = PreviewPage {
        ctx: page.ctx(),
        project,
        import_id: id,
        filename,
        rows,
        bad,
        moved_out,
        corrected,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// What importing `listed` changes of a room recorded as `was`: "楼层 3 → 4、
/// 名称“”→“配电房”".
fn room_changes(page: &UserPage, was: &queries::RoomWas, listed: &import::ImportRow) -> String {
    let kind = |k: &str| page.locale.t_in("properties.room_kind", k);
    let mut changes = Vec::new();
    if was.floor != listed.floor {
        changes.push(page.tf(
            "properties.import.change_floor",
            &[("was", &was.floor), ("now", &listed.floor)],
        ));
    }
    if was.kind != listed.kind {
        changes.push(page.tf(
            "properties.import.change_kind",
            &[("was", &kind(&was.kind)), ("now", &kind(listed.kind))],
        ));
    }
    if was.name != listed.name {
        changes.push(page.tf(
            "properties.import.change_name",
            &[("was", &was.name), ("now", &listed.name)],
        ));
    }
    changes.join(page.t("paper.list_separator"))
}

/// POST /properties/imports/{id}/commit: all rows or none, once.
pub async fn commit(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageProperties)?;
    let id = path.into_inner();
    let record = match open_import(&page, &session, &mut conn, id).await? {
        Ok(record) => record,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let (project_id, filename, content) = (record.project_id, record.filename, record.content);
    let rows = import::read_stored(&filename, &content)
        .and_then(|cells| import::check(&cells, page.locale, page.today()))
        .map_err(|_| AppError::BadRequest)?;
    if rows.iter().any(|r| r.row.is_none()) {
        return Ok(see_other(&format!("/properties/imports/{id}")));
    }
    let meta = page.meta();
    let outcome = conn
        .transaction::<_, AppError, _>(async |conn| {
            // A second click finds the import committed and changes nothing.
            if !queries::mark_committed(conn, id).await? {
                return Ok(None);
            }
            // Those who moved out stay moved out: their rooms are written, not them.
            let listed: Vec<&import::ImportRow> =
                rows.iter().filter_map(|r| r.row.as_ref()).collect();
            let gone = queries::moved_out_of_listed(conn, project_id, &listed).await?;
            let without: Vec<import::ImportRow> = listed
                .iter()
                .zip(&gone)
                .map(|(r, out)| import::ImportRow {
                    resident: if out.is_some() {
                        None
                    } else {
                        r.resident.clone()
                    },
                    ..(*r).clone()
                })
                .collect();
            let valid: Vec<&import::ImportRow> = without.iter().collect();
            let done = queries::commit_rows(conn, project_id, &valid).await?;
            let skipped = gone.iter().filter(|d| d.is_some()).count();
            audit::record(
                conn,
                &meta,
                "rooms.imported",
                Some(("project", project_id.to_string())),
                json!({ "import": id, "file": filename, "rooms": done.rooms_added,
                        "rooms_corrected": done.rooms_corrected,
                        "residents": done.residents_added,
                        "moved_out_not_added": skipped }),
            )
            .await?;
            Ok(Some(done))
        })
        .await?;
    match outcome {
        Some(done) => flash(
            &session,
            Tone::Ok,
            page.tf(
                if done.rooms_corrected > 0 {
                    "properties.import.done_corrected"
                } else {
                    "properties.import.done"
                },
                &[
                    ("rooms", &done.rooms_added),
                    ("residents", &done.residents_added),
                    ("corrected", &done.rooms_corrected),
                ],
            ),
        ),
        None => {
            // Committed by a second click, or its file forgotten meanwhile:
            // where it now leads, saying which.
            if let Err(elsewhere) = open_import(&page, &session, &mut conn, id).await? {
                return Ok(elsewhere);
            }
        }
    }
    Ok(see_other(&format!("/properties/{project_id}")))
}
