-- The registers and fines cite the rule book by its printed citations
-- ("钥匙管理规定 2(1)②"), written for its first version. A revision that
-- renumbers clauses must not move those links to another clause: each clause
-- keeps the citation it had in its document's first version, carried with
-- its anchor; a clause added since has none.
ALTER TABLE handbook_clauses ADD COLUMN cited_as text;
UPDATE handbook_clauses c SET cited_as = coalesce(
    (SELECT c0.citation FROM handbook_clauses c0
     WHERE c0.anchor = c.anchor
       AND c0.version_id = (SELECT min(v0.id) FROM handbook_versions v0
                            WHERE v0.document_id = v.document_id)
     LIMIT 1),
    '')
FROM handbook_versions v WHERE v.id = c.version_id;
ALTER TABLE handbook_clauses ALTER COLUMN cited_as SET NOT NULL;
