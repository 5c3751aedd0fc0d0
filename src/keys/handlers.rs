//! Inventory, key sets, storage and status, issue to owners. Loans, copy requests
//! and shift counts have their own files.
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Utc;
use diesel::{OptionalExtension, QueryResult};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;

use super::forms::{self, IssueInput, SetInput, StatusInput, StorageInput};
use super::models::{Key, KeyRow, NewKey};
use super::queries::{self, KeyFilter, NewEvent};
use super::views::{self, Txt};
use crate::approvals;
use crate::audit;
use crate::auth::Right;
use crate::config::Config;
use crate::db::DbConn;
use crate::error::AppError;
use crate::properties::{personal, queries as props};
use crate::web::context::{flash, Tone};
use crate::web::export::{self, Cell, ExportFormat, Sheet, SHEET_MAX};
use crate::web::once;
use crate::web::{html, see_other, signature, FieldErrors, Form, Query, UserPage};

const PAGE: i64 = 50;

/// The inventory's filters as they come in the URL.
#[derive(Deserialize, Default, Debug)]
pub struct KeysQuery {
    #[serde(default)]
    category: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    building: String,
    #[serde(default)]
    after: String,
}

impl KeysQuery {
    fn filter(&self) -> KeyFilter {
        KeyFilter {
            category: super::CATEGORIES
                .contains(&self.category.as_str())
                .then(|| self.category.clone()),
            status: super::STATUSES
                .contains(&self.status.as_str())
                .then(|| self.status.clone()),
            building: self.building.trim().parse().ok(),
            ..Default::default()
        }
    }

    /// The filters as a query string, for links that keep them.
    fn query(&self) -> String {
        let f = self.filter();
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        if let Some(c) = &f.category {
            s.append_pair("category", c);
        }
        if let Some(st) = &f.status {
            s.append_pair("status", st);
        }
        if let Some(b) = f.building {
            s.append_pair("building", &b.to_string());
        }
        s.finish()
    }
}

/// GET /keys: the inventory with filters, keyset pages, the overdue count and
/// (for the clerk) the forms that create keys.
pub async fn inventory(
    page: UserPage,
    conn: crate::db::ReadConn,
    choices: web::Data<queries::BuildingChoices>,
    kept: web::Data<queries::KeptKeyPages>,
    kept_overdue: web::Data<queries::KeptOverdue>,
    q: Query<KeysQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewKeys)?;
    let conn = &mut conn.get();
    let (filter, after) = (q.filter(), q.after.parse().ok());
    let rows = kept
        .get((filter.clone(), after), async {
            queries::page_keys(conn, &filter, after, PAGE + 1).await
        })
        .await?;
    let (rows, last) = crate::web::page_of(&rows, PAGE as usize);
    let next = last.map(|r| crate::web::and_param(q.query(), format_args!("after={}", r.id)));
    let buildings = queries::building_choices(conn, &choices).await?;
    let overdue = queries::overdue_shown(conn, &kept_overdue, Utc::now()).await?;
    let body = views::Inventory {
        ctx: page.ctx(),
        txt: Txt(page.locale),
        rows,
        next,
        query: q.query(),
        category: q.category.clone(),
        status: q.status.clone(),
        building: q.building.clone(),
        buildings,
        overdue,
        manage: page.may(Right::ManageKeys),
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /keys/new: the clerk's forms that create keys.
pub async fn new_keys(
    page: UserPage,
    conn: crate::db::ReadConn,
    choices: web::Data<queries::BuildingChoices>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageKeys)?;
    let errors = FieldErrors::new(page.locale);
    render_new_keys(
        &page,
        &mut conn.get(),
        &choices,
        (&SetInput::default(), false),
        &errors,
        StatusCode::OK,
    )
    .await
}

async fn render_new_keys(
    page: &UserPage,
    conn: &mut impl crate::db::Read,
    choices: &queries::BuildingChoices,
    (set, common_sent): (&SetInput, bool),
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let body = views::NewKeys {
        ctx: page.ctx(),
        cites: views::CITE_SETS,
        buildings: queries::building_choices(conn, choices).await?,
        errors,
        set,
        common_sent,
        none: FieldErrors::new(page.locale),
    }
    .render()?;
    Ok(html(status, body))
}

/// The keys the filters select, up to [`SHEET_MAX`](export::SHEET_MAX), and
/// whether more were left out.
async fn sheet_rows(
    conn: &mut AsyncPgConnection,
    q: &KeysQuery,
) -> QueryResult<(Vec<KeyRow>, bool)> {
    let mut rows = queries::list_keys(conn, &q.filter(), None, SHEET_MAX + 1).await?;
    let more = crate::web::trim_page(&mut rows, SHEET_MAX as usize).is_some();
    Ok((rows, more))
}

/// GET /keys.csv and /keys.xlsx: the rows the list's filters select.
pub async fn inventory_export(
    page: UserPage,
    mut conn: DbConn,
    q: Query<KeysQuery>,
    format: ExportFormat,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewKeys)?;
    let (rows, _) = sheet_rows(&mut conn, &q).await?;
    let loc = page.locale;
    let txt = Txt(loc);
    let headers = [
        "keys.label",
        "keys.door_col",
        "keys.category_col",
        "keys.project",
        "keys.storage",
        "keys.copies",
        "keys.custodian_col",
        "keys.status_col",
    ];
    let rows = rows
        .iter()
        .map(|r| {
            let k = &r.key;
            vec![
                Cell::from(k.label.clone()),
                txt.door(&k.door).into(),
                txt.category(&k.category).into(),
                format!("{} · {}", r.project, r.building_code).into(),
                txt.storage(k).into(),
                Cell::from(i64::from(k.copies)),
                txt.custodian(&k.custodian).into(),
                txt.status(&k.status).into(),
            ]
        })
        .collect();
    let sheet = Sheet::new(loc, "keys.register", &headers, rows);
    export::respond(&sheet, format, "keys")
}

/// GET /keys/print: the key register on paper.
pub async fn inventory_print(
    page: UserPage,
    mut conn: DbConn,
    config: web::Data<Config>,
    q: Query<KeysQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewKeys)?;
    let (rows, truncated) = sheet_rows(&mut conn, &q).await?;
    let body = views::InventoryPrint {
        ctx: page.ctx(),
        txt: Txt(page.locale),
        rows,
        truncated,
        printed_at: crate::i18n::minute(Utc::now(), config.tz),
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /keys/labels: a sheet of key tags (钥匙管理规定 2(2)②) for the filtered keys.
pub async fn labels(
    page: UserPage,
    mut conn: DbConn,
    q: Query<KeysQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewKeys)?;
    let (rows, truncated) = sheet_rows(&mut conn, &q).await?;
    let body = views::Labels {
        ctx: page.ctx(),
        cites: views::CITE_LABELS,
        txt: Txt(page.locale),
        rows,
        truncated,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// The five owner keys of a home room, or the one key of a facility room, all on
/// one hook of `cabinet` (one key ring per room, 钥匙管理规定 2(2)①).
fn keys_for_room(
    room: &crate::properties::models::Room,
    building_code: &str,
    cabinet: &str,
    hook: Option<i32>,
) -> Vec<NewKey> {
    let label = super::key_label(room, building_code);
    if room.kind == "facility" {
        return vec![NewKey {
            category: "facility",
            building_id: room.building_id,
            room_id: Some(room.id),
            floor: None,
            door: String::new(),
            label,
            cabinet: cabinet.to_owned(),
            hook,
            copies: 1,
            custodian: "engineering".into(),
        }];
    }
    super::DOORS
        .iter()
        .map(|(door, _)| NewKey {
            category: "owner",
            building_id: room.building_id,
            room_id: Some(room.id),
            floor: None,
            door: (*door).to_owned(),
            label: label.clone(),
            cabinet: cabinet.to_owned(),
            hook,
            copies: 1,
            custodian: "cs".into(),
        })
        .collect()
}

/// Creates the keys of `rooms` (of one building) that do not exist yet, with
/// their history line.
pub(super) async fn create_for_rooms(
    conn: &mut AsyncPgConnection,
    rooms: &[crate::properties::models::Room],
    building_code: &str,
    cabinet: &str,
    actor: i64,
) -> QueryResult<Vec<i64>> {
    let Some(first) = rooms.first() else {
        return Ok(Vec::new());
    };
    let next = queries::next_hook(conn, first.building_id, cabinet).await?;
    let mut new = Vec::new();
    for (n, room) in rooms.iter().enumerate() {
        new.extend(keys_for_room(room, building_code, cabinet, next.hook(n)));
    }
    let ids = queries::insert_keys(conn, &new).await?;
    if !ids.is_empty() {
        queries::add_events(
            conn,
            &ids,
            &NewEvent {
                action: "created",
                actor_id: Some(actor),
                loan_id: None,
                note: cabinet,
                at: Utc::now(),
            },
        )
        .await?;
    }
    Ok(ids)
}

/// The building a creation form names, or a message on its field.
async fn chosen_building(
    conn: &mut AsyncPgConnection,
    input: &SetInput,
    errors: &mut FieldErrors,
) -> Result<Option<crate::properties::models::Building>, AppError> {
    let building = match input.building.trim().parse::<i64>() {
        Ok(id) => props::building(conn, id).await.optional()?,
        Err(_) => None,
    };
    if building.is_none() {
        errors.add("building", "keys.error.building");
    }
    Ok(building)
}

/// The creation forms again, with the input and its messages (422).
async fn refused(
    page: &UserPage,
    conn: &mut AsyncPgConnection,
    choices: &queries::BuildingChoices,
    sent: (&SetInput, bool),
    errors: &FieldErrors,
) -> Result<HttpResponse, AppError> {
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    render_new_keys(page, conn, choices, sent, errors, status).await
}

/// POST /keys/sets: every room of a building gets its key set (owner keys for
/// homes, the facility key for equipment rooms); rooms that have keys are left alone.
pub async fn create_sets(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    choices: web::Data<queries::BuildingChoices>,
    Form(input): Form<SetInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageKeys)?;
    let mut errors = FieldErrors::new(page.locale);
    let cabinet = input.cabinet(&mut errors);
    let building = chosen_building(&mut conn, &input, &mut errors).await?;
    let Some(building) = building.filter(|_| errors.is_empty()) else {
        return refused(&page, &mut conn, &choices, (&input, false), &errors).await;
    };
    let me = page.user().id;
    let meta = page.meta();
    let n = conn
        .transaction::<_, AppError, _>(async |conn| {
            let rooms = queries::rooms_without_keys(conn, building.id).await?;
            let ids = create_for_rooms(conn, &rooms, &building.code, &cabinet, me).await?;
            audit::record(
                conn,
                &meta,
                "keys.sets_created",
                Some(("building", building.id.to_string())),
                json!({ "keys": ids.len(), "rooms": rooms.len(), "cabinet": cabinet }),
            )
            .await?;
            Ok(ids.len())
        })
        .await?;
    flash(
        &session,
        Tone::Ok,
        page.tf("keys.sets_created", &[("n", &n)]),
    );
    Ok(see_other(&format!("/keys?building={}", building.id)))
}

/// POST /keys/rooms/{id}/set: one room's owner key set, in one action.
pub async fn create_room_set(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(input): Form<SetInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageKeys)?;
    let room = props::room(&mut conn, path.into_inner()).await?;
    let mut errors = FieldErrors::new(page.locale);
    let cabinet = input.cabinet(&mut errors);
    if !errors.is_empty() {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_room(&page, &mut conn, room, &input.cabinet, &errors, status).await;
    }
    let building = props::building(&mut conn, room.building_id).await?;
    let me = page.user().id;
    let meta = page.meta();
    let n = conn
        .transaction::<_, AppError, _>(async |conn| {
            let ids = create_for_rooms(
                conn,
                std::slice::from_ref(&room),
                &building.code,
                &cabinet,
                me,
            )
            .await?;
            audit::record(
                conn,
                &meta,
                "keys.set_created",
                Some(("room", room.id.to_string())),
                json!({ "keys": ids.len(), "cabinet": cabinet }),
            )
            .await?;
            Ok(ids.len())
        })
        .await?;
    flash(
        &session,
        Tone::Ok,
        page.tf("keys.sets_created", &[("n", &n)]),
    );
    Ok(see_other(&format!("/keys/rooms/{}", room.id)))
}

/// POST /keys/common: a common-area door or window key of one floor.
pub async fn create_common(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    choices: web::Data<queries::BuildingChoices>,
    Form(input): Form<SetInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageKeys)?;
    let mut errors = FieldErrors::new(page.locale);
    let cabinet = input.cabinet(&mut errors);
    let building = chosen_building(&mut conn, &input, &mut errors).await?;
    let common = input.common(&mut errors);
    let (Some(building), Some((floor, door)), true) = (building, common, errors.is_empty()) else {
        return refused(&page, &mut conn, &choices, (&input, true), &errors).await;
    };
    let me = page.user().id;
    let meta = page.meta();
    let ids = conn
        .transaction::<_, AppError, _>(async |conn| {
            let hook = queries::next_hook(conn, building.id, &cabinet)
                .await?
                .hook(0);
            let ids = queries::insert_keys(
                conn,
                &[NewKey {
                    category: "common",
                    building_id: building.id,
                    room_id: None,
                    floor: Some(floor),
                    door: door.clone(),
                    label: super::models::common_label(&building.code, floor),
                    cabinet: cabinet.clone(),
                    hook,
                    copies: 1,
                    custodian: "engineering".into(),
                }],
            )
            .await?;
            if !ids.is_empty() {
                queries::add_events(
                    conn,
                    &ids,
                    &NewEvent {
                        action: "created",
                        actor_id: Some(me),
                        loan_id: None,
                        note: &cabinet,
                        at: Utc::now(),
                    },
                )
                .await?;
                audit::record(
                    conn,
                    &meta,
                    "keys.common_created",
                    Some(("key", ids[0].to_string())),
                    json!({ "building": building.id, "floor": floor, "door": door }),
                )
                .await?;
            }
            Ok(ids)
        })
        .await?;
    match ids.first() {
        Some(id) => {
            flash(
                &session,
                Tone::Ok,
                page.tf("keys.sets_created", &[("n", &1)]),
            );
            Ok(see_other(&format!("/keys/{id}")))
        }
        // That door's key exists already (a double click, or made before):
        // its page, saying so.
        None => {
            flash(&session, Tone::Error, page.t("keys.error.exists"));
            let existing = queries::common_key(&mut conn, building.id, floor, &door).await?;
            Ok(see_other(&match existing {
                Some(id) => format!("/keys/{id}"),
                None => format!("/keys?building={}", building.id),
            }))
        }
    }
}

/// Statuses a clerk sets by hand: a key missing from its cabinet (a shift
/// count's difference) reported lost, a lost key found again or retired, a key
/// retired or brought back into use.
pub fn manual_transitions(from: &str) -> &'static [&'static str] {
    match from {
        "lost" => &["in", "retired"],
        "in" => &["lost", "retired"],
        "retired" => &["in"],
        _ => &[],
    }
}

async fn render_key(
    page: &UserPage,
    conn: &mut AsyncPgConnection,
    id: i64,
    errors: &FieldErrors,
    storage: Option<&StorageInput>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    render_key_with(page, conn, id, errors, storage, None, status).await
}

/// The key's page with its status form as sent (`moved`), to correct.
async fn render_key_with(
    page: &UserPage,
    conn: &mut AsyncPgConnection,
    id: i64,
    errors: &FieldErrors,
    storage: Option<&StorageInput>,
    moved: Option<&StatusInput>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewKeys)?;
    let row = queries::key_row(conn, id).await?;
    let mut events = queries::events_of(conn, id, None, HISTORY_PAGE + 1).await?;
    let older = crate::web::trim_page(&mut events, HISTORY_PAGE as usize).map(|(e, _)| e.id);
    let unseen = !queries::unseen_at_count(conn, &[id]).await?.is_empty();
    let current = StorageInput {
        cabinet: row.key.cabinet.clone(),
        hook: row.key.hook.map(|h| h.to_string()).unwrap_or_default(),
        copies: row.key.copies.to_string(),
        seen: storage_seen(&row.key),
    };
    let body = views::KeyShow {
        unseen,
        ctx: page.ctx(),
        cites: views::CITE_COUNT,
        txt: Txt(page.locale),
        row,
        events,
        older,
        manage: page.may(Right::ManageKeys),
        errors,
        storage: storage.unwrap_or(&current),
        moved: moved.cloned().unwrap_or_default(),
    }
    .render()?;
    Ok(html(status, body))
}

/// Steps of a key's history a page shows; the key's page shows the latest.
const HISTORY_PAGE: i64 = 100;

/// GET /keys/{id}/history?before=N: the key's earlier history, a page at a time.
pub async fn history(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
    q: Query<crate::web::Before>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewKeys)?;
    let id = path.into_inner();
    let row = queries::key_row(&mut conn, id).await?;
    let mut events = queries::events_of(&mut conn, id, q.before, HISTORY_PAGE + 1).await?;
    let older = crate::web::trim_page(&mut events, HISTORY_PAGE as usize).map(|(e, _)| e.id);
    let body = views::KeyHistory {
        ctx: page.ctx(),
        txt: Txt(page.locale),
        row,
        events,
        older,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /keys/{id}: the key, its storage and its latest history.
pub async fn show_key(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let errors = FieldErrors::new(page.locale);
    render_key(
        &page,
        &mut conn,
        path.into_inner(),
        &errors,
        None,
        StatusCode::OK,
    )
    .await
}

/// A fingerprint of where `key` hangs and how many copies it has, as its
/// storage form shows them: a loan or a return since changes nothing of it.
fn storage_seen(key: &Key) -> String {
    let hook = key.hook.map(|h| h.to_string()).unwrap_or_default();
    crate::web::form::seen_of(&format!("{}\n{hook}\n{}", key.cabinet, key.copies))
}

/// POST /keys/{id}: where the key hangs and how many copies there are.
pub async fn update_storage(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(input): Form<StorageInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageKeys)?;
    let id = path.into_inner();
    let mut errors = FieldErrors::new(page.locale);
    let Some((cabinet, hook, copies)) = input.validate(&mut errors) else {
        return render_key(
            &page,
            &mut conn,
            id,
            &errors,
            Some(&input),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let me = page.user().id;
    let meta = page.meta();
    // The storage as it is now when it changed since the page was read.
    let changed = conn
        .transaction::<_, AppError, _>(async |conn| {
            let keys = queries::lock_keys(conn, &[id]).await?;
            let key = keys.first().ok_or(AppError::NotFound)?;
            // Already as sent (the same form sent twice, a double click):
            // saved, with nothing more to record.
            if key.cabinet == cabinet && key.hook == hook && key.copies == copies {
                return Ok(None);
            }
            let now_seen = storage_seen(key);
            if !input.seen.is_empty() && input.seen != now_seen {
                return Ok(Some(now_seen));
            }
            let now = Utc::now();
            queries::update_storage(conn, id, &cabinet, hook, copies, now).await?;
            let note = format!(
                "{cabinet} · {} · ×{copies}",
                hook.map(|h| h.to_string()).unwrap_or_default()
            );
            queries::add_events(
                conn,
                &[id],
                &NewEvent {
                    action: "stored",
                    actor_id: Some(me),
                    loan_id: None,
                    note: &note,
                    at: now,
                },
            )
            .await?;
            audit::record(
                conn,
                &meta,
                "keys.stored",
                Some(("key", id.to_string())),
                json!({ "cabinet": cabinet, "hook": hook, "copies": copies }),
            )
            .await?;
            Ok(None)
        })
        .await?;
    if let Some(now_seen) = changed {
        // Stored otherwise meanwhile (copies made, a move): nothing is
        // overwritten unseen. The page shows the key as it is now, the form
        // what was typed; saving it again replaces the change, knowingly.
        errors.add("copies", "keys.error.changed");
        let kept = StorageInput {
            seen: now_seen,
            ..input
        };
        let status = StatusCode::CONFLICT;
        return render_key(&page, &mut conn, id, &errors, Some(&kept), status).await;
    }
    flash(&session, Tone::Ok, page.t("keys.saved"));
    Ok(see_other(&format!("/keys/{id}")))
}

/// POST /keys/{id}/status: the follow-up of a loss (found, or retired), or a key
/// taken out of or back into use, with a written note.
pub async fn change_status(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(input): Form<StatusInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageKeys)?;
    let id = path.into_inner();
    let note = input.note.trim().to_owned();
    let mut errors = FieldErrors::new(page.locale);
    if note.is_empty() || note.chars().count() > 500 {
        errors.add("note", "keys.error.note");
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_key_with(&page, &mut conn, id, &errors, None, Some(&input), status).await;
    }
    let me = page.user().id;
    let meta = page.meta();
    let done = conn
        .transaction::<_, AppError, _>(async |conn| {
            let keys = queries::lock_keys(conn, &[id]).await?;
            let key = keys.first().ok_or(AppError::NotFound)?;
            if input.from.as_ref().is_some_and(|f| *f != key.status) {
                // Sent twice (a double click, the back button): the first
                // made this very change, so it is done.
                let again = key.status == input.status
                    && queries::last_event(conn, id)
                        .await?
                        .is_some_and(|(a, by, n)| {
                            a == format!("status_{}", input.status) && by == Some(me) && n == note
                        });
                return Ok(again);
            }
            let Some(to) = manual_transitions(&key.status)
                .iter()
                .find(|s| **s == input.status)
            else {
                return Ok(false);
            };
            let now = Utc::now();
            queries::set_status(conn, &[id], to, now).await?;
            queries::add_events(
                conn,
                &[id],
                &NewEvent {
                    action: &format!("status_{to}"),
                    actor_id: Some(me),
                    loan_id: None,
                    note: &note,
                    at: now,
                },
            )
            .await?;
            audit::record(
                conn,
                &meta,
                "keys.status_changed",
                Some(("key", id.to_string())),
                json!({ "from": key.status, "to": to, "note": note }),
            )
            .await?;
            Ok(true)
        })
        .await?;
    if !done {
        // The key moved on meanwhile (found, lent, changed by a colleague): the
        // page shows it as it is now, the note kept to use again.
        errors.add("note", "keys.error.transition");
        let status = StatusCode::CONFLICT;
        return render_key_with(&page, &mut conn, id, &errors, None, Some(&input), status).await;
    }
    flash(&session, Tone::Ok, page.t("keys.saved"));
    Ok(see_other(&format!("/keys/{id}")))
}

/// GET /keys/rooms/{id}: a room's keys and the receipts of keys issued to its owners.
pub async fn room(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewKeys)?;
    let room = props::room(&mut conn, path.into_inner()).await?;
    let errors = FieldErrors::new(page.locale);
    render_room(&page, &mut conn, room, "", &errors, StatusCode::OK).await
}

/// The room's keys page, its set form filled with `cabinet` and `errors`.
async fn render_room(
    page: &UserPage,
    conn: &mut AsyncPgConnection,
    room: crate::properties::models::Room,
    cabinet: &str,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let building = props::building(conn, room.building_id).await?;
    let filter = KeyFilter {
        room: Some(room.id),
        ..Default::default()
    };
    let rows = queries::list_keys(conn, &filter, None, 100).await?;
    let issues = queries::issues_of_room(conn, room.id).await?;
    let body = views::RoomKeys {
        ctx: page.ctx(),
        cites: views::CITE_SETS,
        txt: Txt(page.locale),
        room_id: room.id,
        room_label: room.label(&building.code),
        home: room.kind == "home",
        rows,
        issues,
        manage: page.may(Right::ManageKeys),
        cabinet,
        errors,
    }
    .render()?;
    Ok(html(status, body))
}

/// The room's owner keys in the cabinet, and its current owners (ID masked).
async fn issue_context(
    conn: &mut AsyncPgConnection,
    room_id: i64,
) -> Result<
    (
        crate::properties::models::Room,
        String,
        Vec<Key>,
        Vec<crate::properties::models::Resident>,
    ),
    AppError,
> {
    let room = props::room(conn, room_id).await?;
    if room.kind != "home" {
        return Err(AppError::NotFound);
    }
    let building = props::building(conn, room.building_id).await?;
    let filter = KeyFilter {
        room: Some(room.id),
        category: Some("owner".into()),
        status: Some("in".into()),
        ..Default::default()
    };
    let keys = queries::list_keys(conn, &filter, None, 100)
        .await?
        .into_iter()
        .map(|r| r.key)
        .collect();
    let owners = props::residents_of(conn, room.id)
        .await?
        .into_iter()
        .filter(|r| r.kind == "owner" && r.moved_out.is_none())
        .collect();
    let label = room.label(&building.code);
    Ok((room, label, keys, owners))
}

#[allow(clippy::too_many_arguments)]
fn render_issue(
    page: &UserPage,
    room_id: i64,
    room_label: String,
    keys: Vec<Key>,
    owners: Vec<crate::properties::models::Resident>,
    input: &IssueInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let owners = owners
        .into_iter()
        .map(|r| {
            let masked = personal::mask_id(&r.id_number);
            (r, masked)
        })
        .collect();
    let body = views::IssueForm {
        ctx: page.ctx(),
        cites: views::CITE_ISSUE,
        txt: Txt(page.locale),
        room_id,
        room_label,
        keys,
        owners,
        input,
        errors,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /keys/rooms/{id}/issue: hand keys to the owner (发放).
pub async fn issue_form(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageKeys)?;
    let (room, label, keys, owners) = issue_context(&mut conn, path.into_inner()).await?;
    let errors = FieldErrors::new(page.locale);
    let input = IssueInput {
        key: keys.iter().map(|k| k.id.to_string()).collect(),
        form_token: once::new_token(),
        ..IssueInput::default()
    };
    render_issue(
        &page,
        room.id,
        label,
        keys,
        owners,
        &input,
        &errors,
        StatusCode::OK,
    )
}

/// Both ID numbers the same, once normalised (trim, upper-case X).
fn same_id(recorded: &str, shown: &str) -> bool {
    let norm = |s: &str| s.trim().to_uppercase().replace(' ', "");
    !recorded.trim().is_empty() && norm(recorded) == norm(shown)
}

/// Wrong ID numbers one clerk may type, or one owner's record be tried with,
/// in [`ID_WINDOW_MINUTES`]: the form answers whether a number matches, and
/// must not serve to guess one (a number differs from the next in its last
/// four characters, the birth date and region being easy to learn).
const ID_TRIES: i64 = 5;
const ID_WINDOW_MINUTES: i64 = 15;

/// Compares the ID number shown with `owner`'s record, unless the clerk or the
/// record has had [`ID_TRIES`] wrong numbers in the last [`ID_WINDOW_MINUTES`];
/// a wrong number is logged (without the number), so the log counts the tries
/// and shows them. Counted, compared and logged under a lock on the owner's
/// record: requests sent at once cannot each find the count below the limit.
async fn check_id(
    conn: &mut AsyncPgConnection,
    page: &UserPage,
    room: i64,
    owner: &crate::properties::models::Resident,
    shown: &str,
    errors: &mut FieldErrors,
) -> Result<(), AppError> {
    let since = Utc::now() - chrono::Duration::minutes(ID_WINDOW_MINUTES);
    let resident = owner.id.to_string();
    let meta = page.meta();
    let me = page.user().id;
    // The message for the number shown, if it is not the owner's.
    let refused = conn
        .transaction::<_, AppError, _>(async |conn| {
            use diesel::sql_types::BigInt;
            use diesel_async::RunQueryDsl;
            diesel::sql_query(
                "SELECT pg_advisory_xact_lock(hashtext('kefu.id_check'), hashtext($1::text))",
            )
            .bind::<BigInt, _>(owner.id)
            .execute(conn)
            .await?;
            let tries = audit::queries::count_since(
                conn,
                "keys.id_mismatch",
                me,
                ("resident", &resident),
                since,
            )
            .await?;
            if tries >= ID_TRIES {
                let args: [(&str, &dyn std::fmt::Display); 2] =
                    [("n", &ID_TRIES), ("minutes", &ID_WINDOW_MINUTES)];
                return Ok(Some(page.tf("keys.error.id_tries", &args)));
            }
            if same_id(&owner.id_number, shown) {
                return Ok(None);
            }
            audit::record(
                conn,
                &meta,
                "keys.id_mismatch",
                Some(("resident", resident.clone())),
                json!({ "room": room }),
            )
            .await?;
            Ok(Some(page.t("keys.error.id_mismatch").to_owned()))
        })
        .await?;
    if let Some(message) = refused {
        errors.add_text("id_number", message);
    }
    Ok(())
}

/// POST /keys/rooms/{id}/issue: only after the ID shown matches the owner's
/// record; the owner signs; the keys become 已发放业主 (钥匙管理规定 3(1)).
pub async fn issue(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(mut input): Form<IssueInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageKeys)?;
    let (room, label, keys, owners) = issue_context(&mut conn, path.into_inner()).await?;
    let mut errors = FieldErrors::new(page.locale);
    // A double click, or the back button after the keys went out, leads to the
    // receipt the first submit made.
    let token = once::check(
        &mut conn,
        &session,
        &page,
        &mut input.form_token,
        &mut errors,
    )
    .await?;
    let wanted = forms::ids(&input.key);
    if wanted.is_empty() || !wanted.iter().all(|id| keys.iter().any(|k| k.id == *id)) {
        errors.add("key", "keys.error.issue_keys");
    }
    let owner = input
        .resident
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|id| owners.iter().find(|r| r.id == id));
    match owner {
        None => errors.add("resident", "keys.error.resident"),
        Some(o) if o.id_number.trim().is_empty() => {
            errors.add("id_number", "keys.error.no_id_on_record")
        }
        Some(_) if input.id_number.trim().is_empty() => {
            errors.add("id_number", "keys.error.id_required")
        }
        Some(o) => check_id(&mut conn, &page, room.id, o, &input.id_number, &mut errors).await?,
    }
    let sig = signature::parse(
        &input.sign_name,
        input.sign_confirm.as_deref(),
        &input.sign_drawing,
        owner.map(|o| o.name.as_str()),
        &mut errors,
    );
    let (Some(owner), Some(sig), Some(token)) = (owner.filter(|_| errors.is_empty()), sig, token)
    else {
        return render_issue(
            &page,
            room.id,
            label,
            keys,
            owners.clone(),
            &input,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let me = page.user().id;
    let meta = page.meta();
    let owner_id = owner.id;
    let owner_name = owner.name.clone();
    let issued = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(Issued::Claimed);
            }
            let locked = queries::lock_keys(conn, &wanted).await?;
            // The claim given back: the form comes back with its token, and
            // a second click on it finds the token free.
            if locked.len() != wanted.len() || locked.iter().any(|k| k.status != "in") {
                token.release(conn).await?;
                return Ok(Issued::KeysMoved);
            }
            let now = Utc::now();
            let id = queries::create_issue(
                conn,
                room.id,
                owner_id,
                &sig.name,
                sig.drawing_png.as_deref(),
                me,
                now,
            )
            .await?;
            queries::add_issue_lines(conn, id, &wanted).await?;
            queries::set_status(conn, &wanted, "issued", now).await?;
            queries::add_events(
                conn,
                &wanted,
                &NewEvent {
                    action: "issued",
                    actor_id: Some(me),
                    loan_id: None,
                    note: &owner_name,
                    at: now,
                },
            )
            .await?;
            audit::record(
                conn,
                &meta,
                "keys.issued",
                Some(("key_issue", id.to_string())),
                json!({ "room": room.id, "resident": owner_id, "keys": wanted,
                        "drawn": sig.drawing_png.is_some() }),
            )
            .await?;
            let path = token
                .filed(conn, format!("/keys/issues/{id}/print"))
                .await?;
            Ok(Issued::Filed(path))
        })
        .await?;
    let filed = match issued {
        Issued::Filed(path) => path,
        Issued::Claimed => None,
        Issued::KeysMoved => {
            // Lent or issued by a colleague meanwhile: the form comes back with
            // the keys as they are now, and the owner's signature kept.
            let (room, label, keys, owners) = issue_context(&mut conn, room.id).await?;
            errors.add("key", "keys.error.issue_keys_moved");
            return render_issue(
                &page,
                room.id,
                label,
                keys,
                owners,
                &input,
                &errors,
                StatusCode::CONFLICT,
            );
        }
    };
    once::answer(&mut conn, &session, &page, &token, filed, "keys.issued").await
}

/// How an issue's transaction ended.
enum Issued {
    /// The receipt's path.
    Filed(Option<String>),
    /// A concurrent submit of the same form holds its token.
    Claimed,
    /// Some of the keys are no longer in the office.
    KeysMoved,
}

/// GET /keys/issues/{id}/print: the receipt with the owner's signature.
pub async fn receipt(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewKeys)?;
    let issue = queries::issue(&mut conn, path.into_inner()).await?;
    let room = props::room(&mut conn, issue.room_id).await?;
    let building = props::building(&mut conn, room.building_id).await?;
    let keys = queries::issue_keys(&mut conn, issue.id).await?;
    let resident = props::residents_of(&mut conn, room.id)
        .await?
        .into_iter()
        .find(|r| r.id == issue.resident_id)
        .ok_or(AppError::NotFound)?;
    let clerk = approvals::queries::person(&mut conn, issue.issued_by)
        .await?
        .display_name;
    let signature = issue.signature_png.as_deref().map(signature::data_url);
    let body = views::Receipt {
        ctx: page.ctx(),
        txt: Txt(page.locale),
        room_label: room.label(&building.code),
        owner: resident.name.clone(),
        id_masked: personal::mask_id(&resident.id_number),
        clerk,
        keys,
        signature,
        issue,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_compared_normalised_and_never_match_an_empty_record() {
        assert!(same_id("11010519491231002X", " 11010519491231002x "));
        assert!(!same_id("", ""));
        assert!(!same_id("11010519491231002X", "110105194912310021"));
    }

    #[test]
    fn only_lost_retired_and_stored_keys_change_status_by_hand() {
        assert_eq!(manual_transitions("lost"), &["in", "retired"]);
        assert_eq!(manual_transitions("in"), &["lost", "retired"]);
        assert!(manual_transitions("lent").is_empty());
        assert!(manual_transitions("issued").is_empty());
    }
}
