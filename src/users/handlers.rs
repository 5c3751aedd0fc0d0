use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use diesel_async::AsyncConnection;
use serde::Deserialize;
use serde_json::json;

use super::forms::{UserInput, ValidUser};
use super::models::{NewUser, UserChanges};
use super::queries;
use super::views::{UserFormPage, UserList, UserShow};
use crate::audit;
use crate::auth::{password, totp, Right, Role};
use crate::db::{is_unique_violation, DbConn};
use crate::error::AppError;
use crate::web::context::{flash, Tone};
use crate::web::once;
use crate::web::{html, see_other, FieldErrors, Form, Query, UserPage};

const PAGE: i64 = 50;

fn otp_key(id: i64) -> String {
    format!("otp:{id}")
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    after: Option<String>,
}

/// GET /admin/users
pub async fn list(
    page: UserPage,
    mut conn: DbConn,
    query: Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageUsers)?;
    let search = Some(query.q.trim()).filter(|s| !s.is_empty());
    let mut users = queries::page(&mut conn, search, query.after.as_deref(), PAGE + 1).await?;
    let next_after = crate::web::trim_page(&mut users, PAGE as usize).map(|u| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("q", query.q.trim())
            .append_pair("after", &u.user.username);
        s.finish()
    });
    let shared = queries::shared_emails(&mut conn).await?;
    let body = UserList {
        ctx: page.ctx(),
        users,
        q: query.q.trim(),
        next_after,
        shared,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// What the form offers: the roles and the projects there are.
#[derive(Clone)]
struct Choices {
    roles: Vec<String>,
    projects: Vec<(i64, String)>,
}

impl Choices {
    async fn read(conn: &mut DbConn) -> Result<Choices, AppError> {
        Ok(Choices {
            roles: queries::all_roles(conn).await?,
            projects: queries::project_choices(conn).await?,
        })
    }

    fn validate(&self, input: &UserInput, errors: &mut FieldErrors) -> Option<ValidUser> {
        let ids: Vec<i64> = self.projects.iter().map(|(id, _)| *id).collect();
        input.validate(errors, &self.roles, &ids)
    }
}

fn form_page(
    page: &UserPage,
    user_id: Option<i64>,
    input: &UserInput,
    errors: &FieldErrors,
    choices: Choices,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let body = UserFormPage {
        ctx: page.ctx(),
        user_id,
        input,
        errors,
        all_roles: choices.roles,
        all_projects: choices.projects,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /admin/users/new
pub async fn new_form(page: UserPage, mut conn: DbConn) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageUsers)?;
    let input = UserInput {
        locale: "zh-CN".into(),
        roles: vec![Role::Employee.code().into()],
        active: Some("on".into()),
        form_token: once::new_token(),
        ..Default::default()
    };
    let choices = Choices::read(&mut conn).await?;
    form_page(
        &page,
        None,
        &input,
        &FieldErrors::new(page.locale),
        choices,
        StatusCode::OK,
    )
}

/// POST /admin/users: creates the account with a one-time password, shown once.
pub async fn create(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    Form(mut input): Form<UserInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageUsers)?;
    let choices = Choices::read(&mut conn).await?;
    let mut errors = FieldErrors::new(page.locale);
    // A double click, or the back button after the account was made, goes to the
    // account (with its one-time password, while unseen), not to "name taken".
    let token = once::check(
        &mut conn,
        &session,
        &page,
        &mut input.form_token,
        &mut errors,
    )
    .await?;
    let valid = choices.validate(&input, &mut errors);
    let back = |input: &UserInput, errors: &FieldErrors| {
        form_page(
            &page,
            None,
            input,
            errors,
            choices.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let (Some(v), Some(token)) = (valid, token) else {
        return back(&input, &errors);
    };
    if queries::find_by_username(&mut conn, &v.username)
        .await?
        .is_some()
    {
        errors.add("username", "users.error.username_taken");
    }
    if v.active && queries::email_in_use(&mut conn, &v.email, None).await? {
        errors.add("email", "users.error.email_taken");
    }
    if !errors.is_empty() {
        return back(&input, &errors);
    }
    let otp = password::one_time();
    let hash = password::hash(otp.clone()).await?;
    let meta = page.meta();
    let me = page.user().id;
    let mut email_taken = false;
    let result = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(None);
            }
            // Checked above without a lock; again under it (the claim undone).
            if v.active && queries::email_in_use_locked(conn, &v.email, None).await? {
                email_taken = true;
                return Err(diesel::result::Error::RollbackTransaction);
            }
            let id = queries::create(
                conn,
                &NewUser {
                    username: &v.username,
                    display_name: &v.display_name,
                    email: &v.email,
                    locale: v.locale.code(),
                    active: v.active,
                    password_hash: &hash,
                    must_change_password: true,
                },
            )
            .await?;
            queries::set_roles(conn, id, &v.roles).await?;
            queries::set_projects(conn, id, &v.projects).await?;
            audit::record(
                conn,
                &meta,
                "user.created",
                Some(("user", id.to_string())),
                json!({ "username": v.username, "roles": v.roles, "projects": v.projects,
                        "active": v.active }),
            )
            .await?;
            token.filed(conn, format!("/admin/users/{id}")).await?;
            Ok(Some(id))
        })
        .await;
    let id = match result {
        Ok(id) => id,
        // Two admins creating the same name: the second is told.
        Err(e) if is_unique_violation(&e) => {
            errors.add("username", "users.error.username_taken");
            return back(&input, &errors);
        }
        Err(_) if email_taken => {
            errors.add("email", "users.error.email_taken");
            return back(&input, &errors);
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(id) = id {
        let _ = session.insert(otp_key(id), crate::db::sealed::seal(&otp));
    }
    let filed = id.map(|id| format!("/admin/users/{id}"));
    once::answer(&mut conn, &session, &page, &token, filed, "users.created").await
}

/// GET /admin/users/{id}
pub async fn show(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageUsers)?;
    let id = path.into_inner();
    let user = queries::get(&mut conn, id).await?;
    let roles = queries::roles_of(&mut conn, id).await?;
    let projects = queries::projects_of(&mut conn, id).await?;
    // Kept sealed in the session until shown once, as the sessions table is
    // no place for a password readable.
    let one_time_password = session
        .remove_as::<String>(&otp_key(id))
        .and_then(Result::ok)
        .and_then(|sealed| crate::db::sealed::open(&sealed).ok());
    let totp_since = totp::of(&mut conn, id)
        .await?
        .map(|s| page.ctx().datetime(&s.enabled_at));
    let body = UserShow {
        ctx: page.ctx(),
        user,
        roles,
        projects,
        one_time_password,
        totp_since,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /admin/users/{id}/edit
pub async fn edit_form(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageUsers)?;
    let id = path.into_inner();
    let user = queries::get(&mut conn, id).await?;
    let roles = queries::roles_of(&mut conn, id).await?;
    let projects = queries::projects_of(&mut conn, id).await?;
    let input = UserInput {
        username: user.username,
        display_name: user.display_name,
        email: user.email,
        locale: user.locale,
        roles,
        projects: projects.iter().map(|(p, _)| p.to_string()).collect(),
        active: user.active.then(|| "on".into()),
        seen: user.updated_at.timestamp_micros().to_string(),
        form_token: String::new(),
    };
    let choices = Choices::read(&mut conn).await?;
    form_page(
        &page,
        Some(id),
        &input,
        &FieldErrors::new(page.locale),
        choices,
        StatusCode::OK,
    )
}

/// POST /admin/users/{id}: saves the account. A change of roles or a
/// deactivation signs the user out everywhere at once (an administrator
/// changing their own roles stays signed in where they changed them); the
/// approvals they can no longer decide go to whoever would be chosen now.
pub async fn update(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<crate::config::Config>,
    path: web::Path<i64>,
    Form(mut input): Form<UserInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageUsers)?;
    let id = path.into_inner();
    let before = queries::get(&mut conn, id).await?;
    let roles_before = queries::roles_of(&mut conn, id).await?;
    let projects_before: Vec<i64> = queries::projects_of(&mut conn, id)
        .await?
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    // The username is fixed once created: audit rows and sign-ins refer to it.
    input.username = before.username.clone();
    let choices = Choices::read(&mut conn).await?;
    let mut errors = FieldErrors::new(page.locale);
    let valid = choices.validate(&input, &mut errors);
    if let Some(v) = &valid {
        if id == page.user().id && (!v.active || !v.roles.iter().any(|r| r == Role::Admin.code())) {
            errors.add("roles", "users.error.cannot_lock_self_out");
        }
        if v.active && queries::email_in_use(&mut conn, &v.email, Some(id)).await? {
            errors.add("email", "users.error.email_taken");
        }
    }
    let back = |input: &UserInput, errors: &FieldErrors, status| {
        form_page(&page, Some(id), input, errors, choices.clone(), status)
    };
    let Some(v): Option<ValidUser> = valid.filter(|_| errors.is_empty()) else {
        return back(&input, &errors, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let mut sorted_before = roles_before.clone();
    sorted_before.sort();
    let mut sorted_after = v.roles.clone();
    sorted_after.sort();
    let roles_changed = sorted_before != sorted_after;
    let mut projects_after = v.projects.clone();
    projects_after.sort();
    let mut projects_sorted = projects_before.clone();
    projects_sorted.sort();
    let projects_changed = projects_sorted != projects_after;
    let deactivated = before.active && !v.active;
    let admin = Role::Admin.code();
    let was_admin = before.active && roles_before.iter().any(|r| r == admin);
    let drops_admin = was_admin && (!v.active || !v.roles.iter().any(|r| r == admin));
    let meta = page.meta();
    let saved = conn
        .transaction::<_, AppError, _>(async |conn| {
            // Changed since the form was read (a colleague, another tab): left as
            // it is, and the form comes back.
            let now = queries::lock_changed_at(conn, id).await?;
            if !input.seen.is_empty() && input.seen != now.timestamp_micros().to_string() {
                return Ok(Err(NotSaved::Changed(now)));
            }
            if drops_admin && !queries::another_active_admin(conn, id).await? {
                return Ok(Err(NotSaved::LastAdmin));
            }
            if v.active && queries::email_in_use_locked(conn, &v.email, Some(id)).await? {
                return Ok(Err(NotSaved::EmailTaken));
            }
            queries::update(
                conn,
                id,
                &UserChanges {
                    display_name: &v.display_name,
                    email: &v.email,
                    locale: v.locale.code(),
                    active: v.active,
                    updated_at: chrono::Utc::now(),
                },
            )
            .await?;
            let deputyships_ended = if roles_changed {
                queries::set_roles(conn, id, &v.roles).await?;
                // A deputy stands in for a post: without one, they stand in no more.
                let today = config.today();
                crate::approvals::queries::end_deputyships_without_post(conn, Some(id), today)
                    .await?
            } else {
                0
            };
            if projects_changed {
                queries::set_projects(conn, id, &v.projects).await?;
            }
            let ended = if roles_changed || deactivated {
                queries::end_sessions(conn, id).await?
            } else {
                0
            };
            let handed_over = if roles_changed || projects_changed || deactivated {
                let now = chrono::Utc::now();
                crate::approvals::hand_over_from(conn, id, &config, now).await?
            } else {
                0
            };
            let matters_unassigned = if roles_changed || deactivated {
                crate::complaints::unassign_stranded(conn, id, &meta).await?
            } else {
                Vec::new()
            };
            let mut changed = serde_json::Map::new();
            if before.display_name != v.display_name {
                changed.insert(
                    "display_name".into(),
                    json!([before.display_name, v.display_name]),
                );
            }
            if before.email != v.email {
                changed.insert("email".into(), json!([before.email, v.email]));
            }
            if before.locale != v.locale.code() {
                changed.insert("locale".into(), json!([before.locale, v.locale.code()]));
            }
            if before.active != v.active {
                changed.insert("active".into(), json!([before.active, v.active]));
            }
            if roles_changed {
                changed.insert("roles".into(), json!([roles_before, v.roles]));
            }
            if projects_changed {
                changed.insert("projects".into(), json!([projects_before, v.projects]));
            }
            let action = if deactivated {
                "user.deactivated"
            } else {
                "user.updated"
            };
            audit::record(
                conn,
                &meta,
                action,
                Some(("user", id.to_string())),
                json!({
                    "changed": changed,
                    "sessions_ended": ended,
                    "approvals_handed_over": handed_over,
                    "deputyships_ended": deputyships_ended,
                    "complaints_unassigned": matters_unassigned,
                }),
            )
            .await?;
            Ok(Ok(handed_over))
        })
        .await?;
    let handed_over = match saved {
        Ok(n) => n,
        Err(NotSaved::LastAdmin) => {
            errors.add("roles", "users.error.last_admin");
            return back(&input, &errors, StatusCode::CONFLICT);
        }
        Err(NotSaved::EmailTaken) => {
            errors.add("email", "users.error.email_taken");
            return back(&input, &errors, StatusCode::CONFLICT);
        }
        Err(NotSaved::Changed(now)) => {
            // Saving this form again replaces the colleague's change, knowingly.
            input.seen = now.timestamp_micros().to_string();
            errors.add("seen", "users.error.changed");
            return back(&input, &errors, StatusCode::CONFLICT);
        }
    };
    if id == page.user().id && roles_changed {
        // Their own roles: signed out elsewhere, still signed in here, with the
        // new roles (the record is read again under the renewed session).
        session.renew();
    }
    let saved = if handed_over == 0 {
        page.t("users.saved").to_owned()
    } else {
        page.tf("users.saved_handed_over", &[("n", &handed_over)])
    };
    flash(&session, Tone::Ok, &saved);
    Ok(see_other(&format!("/admin/users/{id}")))
}

/// Why an account's form was not saved.
enum NotSaved {
    /// Changed since the form was read: when.
    Changed(chrono::DateTime<chrono::Utc>),
    /// It would leave no active administrator.
    LastAdmin,
    /// Another active account took the address meanwhile.
    EmailTaken,
}

/// POST /admin/users/{id}/reset-password: a new one-time password, shown once;
/// the user is signed out everywhere and must choose a new password.
pub async fn reset_password(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageUsers)?;
    let id = path.into_inner();
    let user = queries::get(&mut conn, id).await?;
    // A reset signs its user out, and the new password is shown to the one
    // who reset it: one's own would leave no one to see it (sent again from
    // an old tab: the button is not on one's own page).
    if id == page.user().id {
        flash(&session, Tone::Error, page.t("users.error.reset_own"));
        return Ok(see_other("/account/password"));
    }
    let otp = password::one_time();
    let hash = password::hash(otp.clone()).await?;
    let meta = page.meta();
    conn.transaction::<_, AppError, _>(async |conn| {
        Ok(super::reset_password(conn, &user, &hash, &meta).await?)
    })
    .await?;
    let _ = session.insert(otp_key(id), crate::db::sealed::seal(&otp));
    flash(&session, Tone::Ok, page.t("users.password_reset_done"));
    Ok(see_other(&format!("/admin/users/{id}")))
}

/// POST /admin/users/{id}/totp/reset: turns a user's second factor off (a lost
/// or replaced phone); they sign in with their password and may turn it on again.
pub async fn reset_totp(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageUsers)?;
    let id = path.into_inner();
    queries::get(&mut conn, id).await?;
    // One's own is turned off with a current code (`/account/totp`), as
    // anyone's: an admin's unattended browser must not take it off without.
    if id == page.user().id {
        flash(&session, Tone::Error, page.t("totp.admin_reset_own"));
        return Ok(see_other("/account/totp"));
    }
    let meta = page.meta();
    conn.transaction::<_, AppError, _>(async |conn| {
        Ok(super::reset_second_factor(conn, id, &meta).await?)
    })
    .await?;
    flash(&session, Tone::Ok, page.t("totp.admin_was_reset"));
    Ok(see_other(&format!("/admin/users/{id}")))
}
