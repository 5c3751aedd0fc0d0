use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;

use super::models::*;
use crate::schema::{buildings, projects, residents, room_imports, rooms};

/// Projects by name with their number of buildings and rooms (bounded: a company
/// has tens of projects, not thousands).
pub async fn projects(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(Project, i64, i64)>> {
    let list: Vec<Project> = projects::table
        .order(projects::name)
        .limit(500)
        .select(Project::as_select())
        .load(conn)
        .await?;
    let ids: Vec<i64> = list.iter().map(|p| p.id).collect();
    let counts: Vec<(i64, i64, i64)> = buildings::table
        .left_join(rooms::table)
        .filter(buildings::project_id.eq_any(&ids))
        .group_by(buildings::project_id)
        .select((
            buildings::project_id,
            diesel::dsl::count(buildings::id).aggregate_distinct(),
            diesel::dsl::count(rooms::id.nullable()),
        ))
        .load(conn)
        .await?;
    let counts: HashMap<i64, (i64, i64)> =
        counts.into_iter().map(|(p, b, r)| (p, (b, r))).collect();
    Ok(list
        .into_iter()
        .map(|p| {
            let (b, r) = counts.get(&p.id).copied().unwrap_or((0, 0));
            (p, b, r)
        })
        .collect())
}

pub async fn project(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Project> {
    projects::table
        .find(id)
        .select(Project::as_select())
        .first(conn)
        .await
}

pub async fn create_project(
    conn: &mut AsyncPgConnection,
    name: &str,
    address: &str,
) -> QueryResult<i64> {
    diesel::insert_into(projects::table)
        .values((projects::name.eq(name), projects::address.eq(address)))
        .returning(projects::id)
        .get_result(conn)
        .await
}

/// Buildings of a project in code order, with their room counts.
pub async fn buildings(
    conn: &mut AsyncPgConnection,
    project_id: i64,
) -> QueryResult<Vec<(Building, i64)>> {
    buildings::table
        .left_join(rooms::table)
        .filter(buildings::project_id.eq(project_id))
        .group_by(buildings::id)
        .order((
            diesel::dsl::sql::<diesel::sql_types::Integer>("length(buildings.code)"),
            buildings::code,
        ))
        .select((
            Building::as_select(),
            diesel::dsl::count(rooms::id.nullable()),
        ))
        .load(conn)
        .await
}

pub async fn building(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Building> {
    buildings::table
        .find(id)
        .select(Building::as_select())
        .first(conn)
        .await
}

pub async fn building_by_code(
    conn: &mut AsyncPgConnection,
    project_id: i64,
    code: &str,
) -> QueryResult<Option<Building>> {
    buildings::table
        .filter(buildings::project_id.eq(project_id))
        .filter(buildings::code.eq(code))
        .select(Building::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn create_building(
    conn: &mut AsyncPgConnection,
    project_id: i64,
    code: &str,
    name: &str,
) -> QueryResult<i64> {
    diesel::insert_into(buildings::table)
        .values((
            buildings::project_id.eq(project_id),
            buildings::code.eq(code),
            buildings::name.eq(name),
        ))
        .returning(buildings::id)
        .get_result(conn)
        .await
}

/// The project's building `code`, made (with no name) if it has none. A
/// colleague adding the same building meanwhile is waited for, and theirs used.
pub async fn building_named(
    conn: &mut AsyncPgConnection,
    project_id: i64,
    code: &str,
) -> QueryResult<i64> {
    if let Some(b) = building_by_code(conn, project_id, code).await? {
        return Ok(b.id);
    }
    let made: Option<i64> = diesel::insert_into(buildings::table)
        .values((
            buildings::project_id.eq(project_id),
            buildings::code.eq(code),
            buildings::name.eq(""),
        ))
        .on_conflict((buildings::project_id, buildings::code))
        .do_nothing()
        .returning(buildings::id)
        .get_result(conn)
        .await
        .optional()?;
    match made {
        Some(id) => Ok(id),
        None => building_by_code(conn, project_id, code)
            .await?
            .map(|b| b.id)
            .ok_or(diesel::result::Error::NotFound),
    }
}

/// Every room of a building in archive order (floor, unit, room) with its current
/// residents. Two queries whatever the size.
pub async fn rooms_of(conn: &mut AsyncPgConnection, building_id: i64) -> QueryResult<Vec<RoomRow>> {
    let list: Vec<Room> = rooms::table
        .filter(rooms::building_id.eq(building_id))
        .order((rooms::kind.desc(), rooms::floor, rooms::unit, rooms::number))
        .limit(5000)
        .select(Room::as_select())
        .load(conn)
        .await?;
    let ids: Vec<i64> = list.iter().map(|r| r.id).collect();
    let people: Vec<Resident> = residents::table
        .filter(residents::room_id.eq_any(&ids))
        .filter(residents::moved_out.is_null())
        .order((residents::room_id, residents::kind, residents::id))
        .select(Resident::as_select())
        .load(conn)
        .await?;
    let mut by_room: HashMap<i64, Vec<Resident>> = HashMap::new();
    for p in people {
        by_room.entry(p.room_id).or_default().push(p);
    }
    Ok(list
        .into_iter()
        .map(|room| {
            let residents = by_room.remove(&room.id).unwrap_or_default();
            RoomRow { room, residents }
        })
        .collect())
}

pub async fn room(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Room> {
    rooms::table
        .find(id)
        .select(Room::as_select())
        .first(conn)
        .await
}

pub async fn find_room(
    conn: &mut AsyncPgConnection,
    building_id: i64,
    unit: &str,
    number: &str,
) -> QueryResult<Option<Room>> {
    rooms::table
        .filter(rooms::building_id.eq(building_id))
        .filter(rooms::unit.eq(unit))
        .filter(rooms::number.eq(number))
        .select(Room::as_select())
        .first(conn)
        .await
        .optional()
}

/// Inserts rooms that do not exist yet; returns how many were new.
pub async fn insert_rooms(conn: &mut AsyncPgConnection, new: &[NewRoom<'_>]) -> QueryResult<usize> {
    let mut n = 0;
    for chunk in new.chunks(crate::db::rows_per_insert(6)) {
        n += diesel::insert_into(rooms::table)
            .values(chunk)
            .on_conflict((rooms::building_id, rooms::unit, rooms::number))
            .do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(n)
}

pub async fn residents_of(
    conn: &mut AsyncPgConnection,
    room_id: i64,
) -> QueryResult<Vec<Resident>> {
    residents::table
        .filter(residents::room_id.eq(room_id))
        .order((
            residents::moved_out.desc().nulls_first(),
            residents::kind,
            residents::id,
        ))
        .select(Resident::as_select())
        .load(conn)
        .await
}

/// Locks the room's row until the transaction ends: its residents change one
/// form at a time.
pub async fn lock_room(conn: &mut AsyncPgConnection, room: i64) -> QueryResult<()> {
    rooms::table
        .find(room)
        .select(rooms::id)
        .for_update()
        .first::<i64>(conn)
        .await
        .map(|_| ())
}

/// The name of a current resident of `room` with ID number `id_number` (a
/// number names one person: a second resident with it is a slip of the pen).
pub async fn resident_with_id_number(
    conn: &mut AsyncPgConnection,
    room: i64,
    id_number: &str,
) -> QueryResult<Option<String>> {
    residents::table
        .filter(residents::room_id.eq(room))
        .filter(residents::moved_out.is_null())
        .filter(residents::id_number.eq(crate::db::sealed::Sealed::from(id_number)))
        .select(residents::name)
        .first(conn)
        .await
        .optional()
}

pub async fn insert_resident(
    conn: &mut AsyncPgConnection,
    new: &NewResident<'_>,
) -> QueryResult<i64> {
    diesel::insert_into(residents::table)
        .values(new)
        .returning(residents::id)
        .get_result(conn)
        .await
}

/// Keeps an uploaded room list for its preview, sealed when a data key is set
/// (it holds names, ID numbers and phones).
pub async fn create_import(
    conn: &mut AsyncPgConnection,
    project_id: i64,
    user_id: i64,
    filename: &str,
    content: &[u8],
) -> QueryResult<i64> {
    diesel::insert_into(room_imports::table)
        .values((
            room_imports::project_id.eq(project_id),
            room_imports::user_id.eq(user_id),
            room_imports::filename.eq(filename),
            room_imports::content.eq(crate::db::sealed::seal_bytes(content)),
        ))
        .returning(room_imports::id)
        .get_result(conn)
        .await
}

/// An import as stored: its content is sealed when a data key is set (read
/// by [`super::import::read_stored`]), and empty once committed or forgotten.
#[derive(Queryable, Selectable)]
#[diesel(table_name = room_imports)]
pub struct ImportRecord {
    pub project_id: i64,
    pub user_id: i64,
    pub filename: String,
    pub content: Vec<u8>,
    pub committed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When its file was forgotten, never committed ([`forget_stale_imports`]).
    pub forgotten_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn import(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<ImportRecord> {
    room_imports::table
        .find(id)
        .select(ImportRecord::as_select())
        .first(conn)
        .await
}

/// Marks the import committed, and forgets its file: the personal data in it
/// lives on in the residents' records only. False when it already was (a
/// second click), or its file was forgotten meanwhile (a day old).
pub async fn mark_committed(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<bool> {
    let n = diesel::update(
        room_imports::table
            .find(id)
            .filter(room_imports::committed_at.is_null())
            .filter(room_imports::forgotten_at.is_null()),
    )
    .set((
        room_imports::committed_at.eq(diesel::dsl::now),
        room_imports::content.eq(Vec::<u8>::new()),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// How long an upload never committed is kept (for its preview).
pub const UNCOMMITTED_KEEP_HOURS: i64 = 24;

/// Forgets the files of uploads never committed, older than
/// [`UNCOMMITTED_KEEP_HOURS`]: they hold residents' personal data for no
/// purpose any more. The row stays, so that its preview says the upload
/// expired, for [`crate::web::once::KEEP_DAYS`] (as long as the form token
/// that leads to it); then it goes too. Returns how many files were forgotten.
pub async fn forget_stale_imports(
    conn: &mut AsyncPgConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> QueryResult<usize> {
    let before = now - chrono::Duration::hours(UNCOMMITTED_KEEP_HOURS);
    let forgotten = diesel::update(
        room_imports::table
            .filter(room_imports::committed_at.is_null())
            .filter(room_imports::forgotten_at.is_null())
            .filter(room_imports::created_at.lt(before)),
    )
    .set((
        room_imports::content.eq(Vec::<u8>::new()),
        room_imports::forgotten_at.eq(now),
    ))
    .execute(conn)
    .await?;
    let long_ago = now - chrono::Duration::days(crate::web::once::KEEP_DAYS);
    diesel::delete(room_imports::table.filter(room_imports::forgotten_at.lt(long_ago)))
        .execute(conn)
        .await?;
    Ok(forgotten)
}

/// For each row of a list, when the person it names moved out of the room it
/// lists them in, if they did and do not live there now: a list imported again
/// (an old one, a colleague's copy) must not bring them back. Someone who did
/// move back in is added by hand on the room's page. One statement.
pub async fn moved_out_of_listed(
    conn: &mut AsyncPgConnection,
    project_id: i64,
    rows: &[&crate::properties::import::ImportRow],
) -> QueryResult<Vec<Option<chrono::NaiveDate>>> {
    let names: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.resident.as_ref().map(|p| p.name.as_str()))
        .collect();
    if names.is_empty() {
        return Ok(vec![None; rows.len()]);
    }
    type Lived = (
        String,
        String,
        String,
        String,
        crate::db::sealed::Sealed,
        Option<chrono::NaiveDate>,
    );
    let lived: Vec<Lived> = residents::table
        .inner_join(rooms::table.inner_join(buildings::table))
        .filter(buildings::project_id.eq(project_id))
        .filter(residents::name.eq_any(&names))
        .select((
            buildings::code,
            rooms::unit,
            rooms::number,
            residents::name,
            residents::id_number,
            residents::moved_out,
        ))
        .load(conn)
        .await?;
    let mut there = std::collections::HashSet::new();
    let mut gone: HashMap<_, chrono::NaiveDate> = HashMap::new();
    for (b, u, n, name, id, out) in &lived {
        let key = (
            b.as_str(),
            u.as_str(),
            n.as_str(),
            name.as_str(),
            id.as_str(),
        );
        match out {
            None => {
                there.insert(key);
            }
            Some(d) => {
                let last = gone.entry(key).or_insert(*d);
                *last = (*last).max(*d);
            }
        }
    }
    Ok(rows
        .iter()
        .map(|r| {
            let p = r.resident.as_ref()?;
            let key = (
                r.building.as_str(),
                r.unit.as_str(),
                r.number.as_str(),
                p.name.as_str(),
                p.id_number.as_str(),
            );
            (!there.contains(&key)).then(|| gone.get(&key).copied())?
        })
        .collect())
}

/// For each listed row, the name of a current resident of its room who holds
/// the row's ID number under another name: the row is that person again and
/// adds nobody (see [`commit_rows`]). One statement.
pub async fn number_held_in_listed(
    conn: &mut AsyncPgConnection,
    project_id: i64,
    rows: &[&crate::properties::import::ImportRow],
) -> QueryResult<Vec<Option<String>>> {
    use crate::db::sealed::Sealed;
    let numbers: Vec<Sealed> = rows
        .iter()
        .filter_map(|r| r.resident.as_ref())
        .filter(|p| !p.id_number.is_empty())
        .map(|p| Sealed::from(p.id_number.as_str()))
        .collect();
    if numbers.is_empty() {
        return Ok(vec![None; rows.len()]);
    }
    let held: Vec<(String, String, String, String, Sealed)> = residents::table
        .inner_join(rooms::table.inner_join(buildings::table))
        .filter(buildings::project_id.eq(project_id))
        .filter(residents::moved_out.is_null())
        .filter(residents::id_number.eq_any(&numbers))
        .select((
            buildings::code,
            rooms::unit,
            rooms::number,
            residents::name,
            residents::id_number,
        ))
        .load(conn)
        .await?;
    // Each room and number's residents, found once per row (a list of
    // thousands of rows against as many residents stays linear).
    let mut by_room: std::collections::HashMap<(&str, &str, &str, &str), Vec<&str>> =
        std::collections::HashMap::new();
    for (b, u, n, name, id) in &held {
        by_room
            .entry((b.as_str(), u.as_str(), n.as_str(), id.as_str()))
            .or_default()
            .push(name.as_str());
    }
    Ok(rows
        .iter()
        .map(|r| {
            let p = r.resident.as_ref().filter(|p| !p.id_number.is_empty())?;
            let key = (
                r.building.as_str(),
                r.unit.as_str(),
                r.number.as_str(),
                p.id_number.as_str(),
            );
            by_room
                .get(&key)?
                .iter()
                .find(|name| **name != p.name)
                .map(|name| (*name).to_owned())
        })
        .collect())
}

/// A room of an import as the register holds it, where the list says otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomWas {
    pub floor: i32,
    pub kind: String,
    pub name: String,
}

/// The rows that name a room the first time in the list (later rows of a room
/// list its other residents): its floor, kind and name are read from that row.
fn first_of_room<'a>(
    rows: &'a [&'a super::import::ImportRow],
) -> impl Iterator<Item = Option<&'a super::import::ImportRow>> + 'a {
    let mut named = std::collections::HashSet::new();
    rows.iter().map(move |row| {
        named
            .insert((
                row.building.as_str(),
                row.unit.as_str(),
                row.number.as_str(),
            ))
            .then_some(*row)
    })
}

/// For each listed row, the floor, kind and name its room has in the
/// register, when the room is there already and the row (the first naming
/// it) says otherwise: committing corrects them (see [`commit_rows`]). One
/// statement.
pub async fn rooms_changed(
    conn: &mut AsyncPgConnection,
    project_id: i64,
    rows: &[&super::import::ImportRow],
) -> QueryResult<Vec<Option<RoomWas>>> {
    let mut codes: Vec<&str> = rows.iter().map(|r| r.building.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let held: Vec<(String, String, String, i32, String, String)> = rooms::table
        .inner_join(buildings::table)
        .filter(buildings::project_id.eq(project_id))
        .filter(buildings::code.eq_any(&codes))
        .select((
            buildings::code,
            rooms::unit,
            rooms::number,
            rooms::floor,
            rooms::kind,
            rooms::name,
        ))
        .load(conn)
        .await?;
    let was: HashMap<(&str, &str, &str), RoomWas> = held
        .iter()
        .map(|(b, u, n, floor, kind, name)| {
            let room = RoomWas {
                floor: *floor,
                kind: kind.clone(),
                name: name.clone(),
            };
            ((b.as_str(), u.as_str(), n.as_str()), room)
        })
        .collect();
    Ok(first_of_room(rows)
        .map(|row| {
            let row = row?;
            let key = (
                row.building.as_str(),
                row.unit.as_str(),
                row.number.as_str(),
            );
            let room = was.get(&key)?;
            let listed = (row.floor, row.kind, row.name.as_str());
            (listed != (room.floor, room.kind.as_str(), room.name.as_str())).then(|| room.clone())
        })
        .collect())
}

/// What committing an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Committed {
    pub rooms_added: usize,
    /// Rooms recorded before whose floor, kind or name the list corrected.
    pub rooms_corrected: usize,
    pub residents_added: usize,
}

/// Writes the rows of an import: missing buildings, then every room (the
/// floor, kind and name of a room recorded before as its first row gives them),
/// then every resident not recorded yet, each in bulk. A fixed handful of
/// statements for any number of rows (per building, and per thousand rows).
pub async fn commit_rows(
    conn: &mut AsyncPgConnection,
    project_id: i64,
    rows: &[&super::import::ImportRow],
) -> QueryResult<Committed> {
    use std::collections::HashSet;
    let mut buildings_by_code: HashMap<&str, i64> = HashMap::new();
    for row in rows {
        if buildings_by_code.contains_key(row.building.as_str()) {
            continue;
        }
        let id = building_named(conn, project_id, &row.building).await?;
        buildings_by_code.insert(&row.building, id);
    }
    // A room named on several rows (one row per resident) is inserted once.
    let firsts: Vec<&super::import::ImportRow> = first_of_room(rows).flatten().collect();
    let new_rooms: Vec<NewRoom> = firsts
        .iter()
        .map(|row| NewRoom {
            building_id: buildings_by_code[row.building.as_str()],
            kind: row.kind,
            unit: &row.unit,
            floor: row.floor,
            number: &row.number,
            name: &row.name,
        })
        .collect();
    let rooms_added = insert_rooms(conn, &new_rooms).await?;
    let corrected = correct_rooms(conn, &new_rooms).await?;
    let rooms_corrected = corrected.len();
    let code_of: HashMap<i64, &str> = buildings_by_code.iter().map(|(c, id)| (*id, *c)).collect();
    follow_corrected(conn, &corrected, &code_of).await?;
    let building_ids: Vec<i64> = buildings_by_code.values().copied().collect();
    let placed: Vec<(i64, i64, String, String)> = rooms::table
        .filter(rooms::building_id.eq_any(&building_ids))
        .select((rooms::id, rooms::building_id, rooms::unit, rooms::number))
        .load(conn)
        .await?;
    let room_of: HashMap<(i64, &str, &str), i64> = placed
        .iter()
        .map(|(id, b, u, n)| ((*b, u.as_str(), n.as_str()), *id))
        .collect();
    // The rooms that rows name someone in are locked, in one order, as the
    // resident form locks its room: a colleague adding someone to one of them
    // now is seen below, not added a second time under the same ID number.
    let mut room_ids: Vec<i64> = rows
        .iter()
        .filter(|row| row.resident.is_some())
        .filter_map(|row| {
            let building = buildings_by_code[row.building.as_str()];
            room_of
                .get(&(building, row.unit.as_str(), row.number.as_str()))
                .copied()
        })
        .collect();
    room_ids.sort_unstable();
    room_ids.dedup();
    rooms::table
        .filter(rooms::id.eq_any(&room_ids))
        .order(rooms::id)
        .select(rooms::id)
        .for_update()
        .load::<i64>(conn)
        .await?;
    // Those living there now. (Rows naming someone who moved out of the room come
    // here without their resident: see `moved_out_of_listed`.)
    let known: Vec<(i64, String, crate::db::sealed::Sealed)> = residents::table
        .filter(residents::room_id.eq_any(&room_ids))
        .filter(residents::moved_out.is_null())
        .select((residents::room_id, residents::name, residents::id_number))
        .load(conn)
        .await?;
    let mut seen: HashSet<(i64, &str, &str)> = known
        .iter()
        .map(|(r, n, i)| (*r, n.as_str(), i.as_str()))
        .collect();
    // One ID number, one person per room, as on the resident form: a row
    // giving a number a current resident (or an earlier row) of the room has
    // is that person again, under another name, and is not added twice.
    let mut numbers: HashSet<(i64, &str)> = known
        .iter()
        .filter(|(_, _, i)| !i.is_empty())
        .map(|(r, _, i)| (*r, i.as_str()))
        .collect();
    let mut new_people = Vec::new();
    for row in rows {
        let Some(r) = &row.resident else { continue };
        let building = buildings_by_code[row.building.as_str()];
        let Some(&room_id) = room_of.get(&(building, row.unit.as_str(), row.number.as_str()))
        else {
            continue;
        };
        let number = r.id_number.as_str();
        if numbers.contains(&(room_id, number)) {
            continue;
        }
        if !number.is_empty() {
            numbers.insert((room_id, number));
        }
        if seen.insert((room_id, r.name.as_str(), number)) {
            new_people.push(NewResident {
                room_id,
                kind: r.kind,
                name: &r.name,
                phone: &r.phone,
                id_type: r.id_type,
                id_number: r.id_number.as_str().into(),
                moved_in: None,
            });
        }
    }
    let mut people_added = 0;
    for chunk in new_people.chunks(crate::db::rows_per_insert(7)) {
        people_added += diesel::insert_into(residents::table)
            .values(chunk)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(Committed {
        rooms_added,
        rooms_corrected,
        residents_added: people_added,
    })
}

/// Gives the rooms `listed` (by building, unit and number) the floor, kind and
/// name listed, where they differ; returns those that changed. One statement.
async fn correct_rooms(
    conn: &mut AsyncPgConnection,
    listed: &[NewRoom<'_>],
) -> QueryResult<Vec<i64>> {
    use diesel::sql_types::{Array, BigInt, Integer, Text};
    #[derive(QueryableByName)]
    struct Corrected {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let column = |f: fn(&NewRoom) -> String| listed.iter().map(f).collect::<Vec<String>>();
    let corrected: Vec<Corrected> = diesel::sql_query(
        "UPDATE rooms SET floor = l.floor, kind = l.kind, name = l.name \
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[]) \
              AS l(building_id, unit, number, floor, kind, name) \
         WHERE rooms.building_id = l.building_id AND rooms.unit = l.unit \
           AND rooms.number = l.number \
           AND (rooms.floor, rooms.kind, rooms.name) IS DISTINCT FROM (l.floor, l.kind, l.name) \
         RETURNING rooms.id",
    )
    .bind::<Array<BigInt>, _>(listed.iter().map(|r| r.building_id).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(column(|r| r.unit.to_owned()))
    .bind::<Array<Text>, _>(column(|r| r.number.to_owned()))
    .bind::<Array<Integer>, _>(listed.iter().map(|r| r.floor).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(column(|r| r.kind.to_owned()))
    .bind::<Array<Text>, _>(column(|r| r.name.to_owned()))
    .load(conn)
    .await?;
    Ok(corrected.into_iter().map(|c| c.id).collect())
}

/// What copies a corrected room's floor or name follows it: its keys' labels
/// (the tags printed again, the loan form's search) and its archives' floor
/// (their order by building, floor and room). Loans keep the labels their
/// keys had when lent, as the paper register wrote them.
async fn follow_corrected(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
    code_of: &HashMap<i64, &str>,
) -> QueryResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let corrected: Vec<Room> = rooms::table
        .filter(rooms::id.eq_any(ids))
        .select(Room::as_select())
        .load(conn)
        .await?;
    let labels: Vec<(i64, String)> = corrected
        .iter()
        .map(|r| {
            let code = code_of.get(&r.building_id).copied().unwrap_or_default();
            (r.id, crate::keys::key_label(r, code))
        })
        .collect();
    crate::keys::queries::relabel(conn, &labels).await?;
    crate::archives::queries::follow_rooms(conn, ids).await
}
