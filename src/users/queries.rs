use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;

use super::models::{NewUser, User, UserChanges, UserWithRoles};
use crate::i18n::Locale;
use crate::schema::{projects, roles, sessions, user_projects, user_roles, users};

/// Locks the account's row until the transaction ends; when it was last changed.
/// `FOR NO KEY UPDATE`, as the save's own UPDATE takes: rows that refer to the
/// account (an audit row naming its holder as the actor) may still be written,
/// so two admins saving each other's accounts at once do not deadlock.
pub async fn lock_changed_at(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> QueryResult<chrono::DateTime<chrono::Utc>> {
    users::table
        .find(id)
        .for_no_key_update()
        .select(users::updated_at)
        .first(conn)
        .await
}

/// Whether an active administrator other than `id` remains. Holds the
/// administrators' lock until the transaction ends: two admins taking each
/// other's post at the same moment are checked one after the other, and the
/// second finds no one left.
pub async fn another_active_admin(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<bool> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('kefu.admins'))")
        .execute(conn)
        .await?;
    diesel::select(diesel::dsl::exists(
        users::table
            .inner_join(user_roles::table)
            .filter(user_roles::role_code.eq(crate::auth::Role::Admin.code()))
            .filter(users::active.eq(true))
            .filter(users::id.ne(id)),
    ))
    .get_result(conn)
    .await
}

pub async fn find_by_username(
    conn: &mut AsyncPgConnection,
    username: &str,
) -> QueryResult<Option<User>> {
    users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// True when an active account other than `except` has `email` (in any case):
/// an approval mail's link decides for whoever it was sent to, so each person
/// has their own address.
pub async fn email_in_use(
    conn: &mut AsyncPgConnection,
    email: &str,
    except: Option<i64>,
) -> QueryResult<bool> {
    use diesel::dsl::{exists, select};
    let lower = diesel::dsl::sql::<diesel::sql_types::Text>("lower(email)");
    select(exists(
        users::table
            .filter(users::active.eq(true))
            .filter(users::id.ne(except.unwrap_or(0)))
            .filter(lower.eq(email.to_lowercase())),
    ))
    .get_result(conn)
    .await
}

/// As [`email_in_use`], holding the address's lock until the transaction ends:
/// two administrators giving one address to two accounts at the same moment
/// are checked one after the other, and the second finds it taken.
pub async fn email_in_use_locked(
    conn: &mut AsyncPgConnection,
    email: &str,
    except: Option<i64>,
) -> QueryResult<bool> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('kefu.email'), hashtext($1))")
        .bind::<diesel::sql_types::Text, _>(email.to_lowercase())
        .execute(conn)
        .await?;
    email_in_use(conn, email, except).await
}

/// The addresses two or more active accounts share (in lower case): accounts
/// made before addresses were checked. Few, bounded, from the whole table.
pub async fn shared_emails(conn: &mut AsyncPgConnection) -> QueryResult<Vec<String>> {
    let lower = diesel::dsl::sql::<diesel::sql_types::Text>("lower(email)");
    users::table
        .filter(users::active.eq(true))
        .group_by(lower.clone())
        .having(diesel::dsl::count_star().gt(1))
        .select(lower)
        .limit(100)
        .load(conn)
        .await
}

pub async fn get(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<User> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .await
}

/// Role codes of one user, in the roles' display order.
pub async fn roles_of(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Vec<String>> {
    user_roles::table
        .inner_join(roles::table)
        .filter(user_roles::user_id.eq(id))
        .order(roles::sort_order)
        .select(roles::code)
        .load(conn)
        .await
}

/// One page of users ordered by username, after `after` (keyset), with their roles.
/// Two queries whatever the page size.
pub async fn page(
    conn: &mut AsyncPgConnection,
    search: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<UserWithRoles>> {
    let mut q = users::table
        .select(User::as_select())
        .order(users::username)
        .limit(limit)
        .into_boxed();
    if let Some(s) = search {
        let pattern = crate::db::contains_pattern(s);
        q = q.filter(
            users::username
                .ilike(pattern.clone())
                .or(users::display_name.ilike(pattern.clone()))
                .or(users::email.ilike(pattern)),
        );
    }
    if let Some(a) = after {
        q = q.filter(users::username.gt(a.to_owned()));
    }
    let list: Vec<User> = q.load(conn).await?;
    let ids: Vec<i64> = list.iter().map(|u| u.id).collect();
    let pairs: Vec<(i64, String)> = user_roles::table
        .inner_join(roles::table)
        .filter(user_roles::user_id.eq_any(&ids))
        .order((user_roles::user_id, roles::sort_order))
        .select((user_roles::user_id, roles::code))
        .load(conn)
        .await?;
    let mut by_user: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, code) in pairs {
        by_user.entry(id).or_default().push(code);
    }
    Ok(list
        .into_iter()
        .map(|user| {
            let roles = by_user.remove(&user.id).unwrap_or_default();
            UserWithRoles { user, roles }
        })
        .collect())
}

pub async fn create(conn: &mut AsyncPgConnection, new: &NewUser<'_>) -> QueryResult<i64> {
    diesel::insert_into(users::table)
        .values(new)
        .returning(users::id)
        .get_result(conn)
        .await
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: i64,
    changes: &UserChanges<'_>,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(changes)
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces the user's roles with `codes`.
pub async fn set_roles(conn: &mut AsyncPgConnection, id: i64, codes: &[String]) -> QueryResult<()> {
    diesel::delete(user_roles::table.filter(user_roles::user_id.eq(id)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = codes
        .iter()
        .map(|c| (user_roles::user_id.eq(id), user_roles::role_code.eq(c)))
        .collect();
    diesel::insert_into(user_roles::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(())
}

/// The projects there are, by name: what a person may be set to serve.
pub async fn project_choices(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(i64, String)>> {
    projects::table
        .order((projects::name, projects::id))
        .select((projects::id, projects::name))
        .load(conn)
        .await
}

/// The projects `id` serves, by name; none means every project.
pub async fn projects_of(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Vec<(i64, String)>> {
    user_projects::table
        .inner_join(projects::table)
        .filter(user_projects::user_id.eq(id))
        .order((projects::name, projects::id))
        .select((projects::id, projects::name))
        .load(conn)
        .await
}

/// Replaces the projects the user serves with `ids` (none: every project).
pub async fn set_projects(conn: &mut AsyncPgConnection, id: i64, ids: &[i64]) -> QueryResult<()> {
    diesel::delete(user_projects::table.filter(user_projects::user_id.eq(id)))
        .execute(conn)
        .await?;
    if ids.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = ids
        .iter()
        .map(|p| {
            (
                user_projects::user_id.eq(id),
                user_projects::project_id.eq(p),
            )
        })
        .collect();
    diesel::insert_into(user_projects::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_password(
    conn: &mut AsyncPgConnection,
    id: i64,
    hash: &str,
    must_change: bool,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::must_change_password.eq(must_change),
            users::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_locale(conn: &mut AsyncPgConnection, id: i64, locale: Locale) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::locale.eq(locale.code()))
        .execute(conn)
        .await?;
    Ok(())
}

/// Signs the user out everywhere: every session of theirs ends now.
pub async fn end_sessions(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(id)))
        .execute(conn)
        .await
}

/// Role codes that exist, in display order.
pub async fn all_roles(conn: &mut AsyncPgConnection) -> QueryResult<Vec<String>> {
    roles::table
        .order(roles::sort_order)
        .select(roles::code)
        .load(conn)
        .await
}

/// The display names of these users (repeats and any order allowed), in one
/// statement: what a register's lines need to name who did what.
pub async fn names(
    conn: &mut AsyncPgConnection,
    mut ids: Vec<i64>,
) -> QueryResult<HashMap<i64, String>> {
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::display_name))
        .load::<(i64, String)>(conn)
        .await?
        .into_iter()
        .collect())
}

/// Active users holding one of `rights` through a built-in role, by name (as a
/// form offers them: whom a matter may be given to).
pub async fn holding(
    conn: &mut AsyncPgConnection,
    rights: &[crate::auth::Right],
) -> QueryResult<Vec<(i64, String)>> {
    let codes = granting(rights);
    users::table
        .filter(users::active)
        .filter(diesel::dsl::exists(
            user_roles::table
                .filter(user_roles::user_id.eq(users::id))
                .filter(user_roles::role_code.eq_any(codes)),
        ))
        .order((users::display_name, users::id))
        .limit(1000)
        .select((users::id, users::display_name))
        .load(conn)
        .await
}

/// Whether `user` is active and holds a post granting one of `rights`.
pub async fn holds(
    conn: &mut AsyncPgConnection,
    user: i64,
    rights: &[crate::auth::Right],
) -> QueryResult<bool> {
    let codes = granting(rights);
    diesel::select(diesel::dsl::exists(
        users::table
            .filter(users::id.eq(user))
            .filter(users::active)
            .filter(diesel::dsl::exists(
                user_roles::table
                    .filter(user_roles::user_id.eq(users::id))
                    .filter(user_roles::role_code.eq_any(codes)),
            )),
    ))
    .get_result(conn)
    .await
}

/// [`holds`], with `user`'s row locked (`FOR SHARE`) until the transaction
/// ends: an administrator's change of them (which locks that row first) waits
/// for the caller's, or the caller's for theirs and then sees it. For giving
/// someone work, so that it does not go to someone deactivated meanwhile.
pub async fn holds_locked(
    conn: &mut AsyncPgConnection,
    user: i64,
    rights: &[crate::auth::Right],
) -> QueryResult<bool> {
    users::table
        .find(user)
        .select(users::id)
        .for_share()
        .execute(conn)
        .await?;
    holds(conn, user, rights).await
}

/// The posts granting one of `rights`.
fn granting(rights: &[crate::auth::Right]) -> Vec<&'static str> {
    crate::auth::Role::ALL
        .into_iter()
        .filter(|r| {
            rights
                .iter()
                .any(|right| crate::auth::rights::granted(*r, *right))
        })
        .map(|r| r.code())
        .collect()
}

/// The active holders of `role` who hear of a matter of `project`: those who
/// serve it and those who serve every project (as approvers are chosen, see
/// `approvals::queries::holders`). When none does, every holder hears of it,
/// so nothing goes unheard; without a project, every holder.
pub async fn holders_for(
    conn: &mut AsyncPgConnection,
    role: &str,
    project: Option<i64>,
) -> QueryResult<Vec<crate::approvals::models::Person>> {
    let Some(project) = project else {
        return holders(conn, role).await;
    };
    let serves = user_projects::table.filter(user_projects::user_id.eq(users::id));
    let rows: Vec<(crate::approvals::models::Person, bool, bool)> = users::table
        .inner_join(user_roles::table)
        .filter(user_roles::role_code.eq(role))
        .filter(users::active)
        .order(users::id)
        .select((
            (users::id, users::display_name, users::email, users::locale),
            diesel::dsl::exists(serves.filter(user_projects::project_id.eq(project))),
            diesel::dsl::not(diesel::dsl::exists(serves)),
        ))
        .load(conn)
        .await?;
    let hear = rows
        .iter()
        .any(|(_, here, everywhere)| *here || *everywhere);
    Ok(rows
        .into_iter()
        .filter(|(_, here, everywhere)| !hear || *here || *everywhere)
        .map(|(p, _, _)| p)
        .collect())
}

/// The active holders of a role (its code: roles may be data), as mail
/// recipients of matters of no project: the supervisors a follow-up is reported
/// to, a missing meeting's reminder. (Matters of a project: [`holders_for`].)
pub async fn holders(
    conn: &mut AsyncPgConnection,
    role: &str,
) -> QueryResult<Vec<crate::approvals::models::Person>> {
    users::table
        .inner_join(user_roles::table)
        .filter(user_roles::role_code.eq(role))
        .filter(users::active)
        .order(users::id)
        .select((users::id, users::display_name, users::email, users::locale))
        .load(conn)
        .await
}
