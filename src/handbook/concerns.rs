//! Whom a clause concerns (SPEC §8: re-confirmation asked only from the roles a
//! changed clause concerns): the posts its text names, the posts that use the
//! registers enforcing it, and, when it names none and no register enforces it,
//! the whole department. The publish form proposes these posts for a revision.
use super::diff::{self, Change};
use super::models::{ClauseRow, SectionView};
use crate::auth::rights::granted;
use crate::auth::Role;

/// How the rule book names each post, in its own words besides the site's.
const NAMED: &[(Role, &[&str])] = &[
    (Role::CsSpecialist, &["客服专员", "营销部客服"]),
    (Role::ArchiveKeeper, &["客服主任"]),
    (Role::CsSupervisor, &["客服主管", "客户服务部主管"]),
    (Role::CenterManager, &["服务中心经理", "服务中心主任"]),
    (Role::EngineeringManager, &["工程部"]),
];

/// The department's posts (the admin keeps the site, not the book).
const STAFF: [Role; 6] = [
    Role::Employee,
    Role::CsSpecialist,
    Role::ArchiveKeeper,
    Role::CsSupervisor,
    Role::CenterManager,
    Role::EngineeringManager,
];

/// The posts clause `c` concerns.
pub fn roles_of(c: &ClauseRow) -> Vec<Role> {
    let mut roles: Vec<Role> = NAMED
        .iter()
        .filter(|(_, names)| names.iter().any(|n| c.body.contains(n)))
        .map(|(r, _)| *r)
        .collect();
    for right in super::registers::rights_enforcing(c) {
        for r in STAFF {
            if granted(r, right) && !roles.contains(&r) {
                roles.push(r);
            }
        }
    }
    if roles.is_empty() {
        roles = STAFF.to_vec();
    }
    roles
}

/// For a revision from `old` to `new`: each post a changed, added or removed
/// clause concerns, in the site's order of posts, with those clauses' citations.
pub fn of_revision(old: &[SectionView], new: &[SectionView]) -> Vec<(Role, Vec<String>)> {
    let (changes, _) = diff::compare(old, new);
    let find = |content: &[SectionView], anchor: &str| -> Option<ClauseRow> {
        content
            .iter()
            .flat_map(|s| &s.clauses)
            .find(|c| c.anchor == anchor && !c.gap)
            .cloned()
    };
    let mut by_role: Vec<(Role, Vec<String>)> = Vec::new();
    for d in changes {
        let side = if d.change == Change::Removed {
            old
        } else {
            new
        };
        let Some(clause) = find(side, &d.anchor) else {
            continue;
        };
        for r in roles_of(&clause) {
            match by_role.iter_mut().find(|(x, _)| *x == r) {
                Some((_, cites)) if cites.contains(&d.citation) => {}
                Some((_, cites)) => cites.push(d.citation.clone()),
                None => by_role.push((r, vec![d.citation.clone()])),
            }
        }
    }
    by_role.sort_by_key(|(r, _)| Role::ALL.iter().position(|x| x == r));
    by_role
}
