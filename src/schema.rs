// @generated automatically by Diesel CLI.

diesel::table! {
    approval_deputies (id) {
        id -> Int8,
        user_id -> Int8,
        deputy_id -> Int8,
        starts_on -> Date,
        ends_on -> Date,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    approval_events (id) {
        id -> Int8,
        request_id -> Int8,
        at -> Timestamptz,
        step -> Nullable<Int4>,
        action -> Text,
        actor_id -> Nullable<Int8>,
        via -> Nullable<Text>,
        on_behalf_of -> Nullable<Int8>,
        comment -> Text,
    }
}

diesel::table! {
    approval_links (token_hash) {
        token_hash -> Bytea,
        task_id -> Int8,
        user_id -> Int8,
        request_version -> Int4,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    approval_requests (id) {
        id -> Int8,
        kind -> Text,
        subject_id -> Int8,
        title -> Text,
        requester_id -> Int8,
        status -> Text,
        current_step -> Int4,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        decided_at -> Nullable<Timestamptz>,
        step_roles -> Nullable<Jsonb>,
        project_id -> Nullable<Int8>,
        party_id -> Nullable<Int8>,
    }
}

diesel::table! {
    approval_tasks (id) {
        id -> Int8,
        request_id -> Int8,
        step -> Int4,
        approver_id -> Int8,
        role_code -> Text,
        level -> Int4,
        status -> Text,
        due_at -> Timestamptz,
        reminded_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        decided_at -> Nullable<Timestamptz>,
        decided_by -> Nullable<Int8>,
        via -> Nullable<Text>,
        on_behalf_of -> Nullable<Int8>,
        comment -> Text,
        late_told_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    archive_borrow_items (borrow_id, document_id) {
        borrow_id -> Int8,
        document_id -> Int8,
    }
}

diesel::table! {
    archive_borrows (id) {
        id -> Int8,
        archive_id -> Int8,
        borrower_id -> Int8,
        mode -> Text,
        purpose -> Text,
        due_on -> Date,
        status -> Text,
        lent_at -> Nullable<Timestamptz>,
        lent_by -> Nullable<Int8>,
        signed_name -> Nullable<Text>,
        signature_png -> Nullable<Bytea>,
        signed_at -> Nullable<Timestamptz>,
        returned_at -> Nullable<Timestamptz>,
        returned_to -> Nullable<Int8>,
        created_at -> Timestamptz,
        grounds -> Text,
        visitor_name -> Text,
    }
}

diesel::table! {
    archive_destruction_items (destruction_id, document_id) {
        destruction_id -> Int8,
        document_id -> Int8,
        position -> Int4,
    }
}

diesel::table! {
    archive_destruction_witnesses (destruction_id, user_id) {
        destruction_id -> Int8,
        user_id -> Int8,
        signed_name -> Text,
        signature_png -> Nullable<Bytea>,
        signed_at -> Timestamptz,
    }
}

diesel::table! {
    archive_destructions (id) {
        id -> Int8,
        status -> Text,
        note -> Text,
        created_by -> Int8,
        created_at -> Timestamptz,
        rechecked_by -> Nullable<Int8>,
        rechecked_at -> Nullable<Timestamptz>,
        destroyed_by -> Nullable<Int8>,
        destroyed_at -> Nullable<Timestamptz>,
        basis -> Text,
        called_off_by -> Nullable<Int8>,
        called_off_at -> Nullable<Timestamptz>,
        called_off_reason -> Text,
    }
}

diesel::table! {
    archive_doc_types (id) {
        id -> Int8,
        code -> Text,
        archive_kind -> Text,
        name_zh -> Text,
        name_en -> Text,
        position -> Int4,
        required -> Bool,
        personal -> Bool,
        retention_event -> Text,
        retention_years -> Nullable<Int4>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    archive_documents (id) {
        id -> Int8,
        archive_id -> Int8,
        type_id -> Int8,
        title -> Text,
        received_on -> Date,
        pages -> Int4,
        cabinet -> Text,
        #[sql_name = "box"]
        box_ -> Text,
        confidential -> Bool,
        retain_until -> Nullable<Date>,
        legal_hold -> Bool,
        status -> Text,
        has_scan -> Bool,
        created_by -> Int8,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        removed_reason -> Text,
        removed_by -> Nullable<Int8>,
        removed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    archive_history (id) {
        id -> Int8,
        archive_id -> Int8,
        document_id -> Nullable<Int8>,
        action -> Text,
        detail -> Text,
        actor_id -> Nullable<Int8>,
        at -> Timestamptz,
    }
}

diesel::table! {
    archive_retention_notices (document_id, kind, retain_until) {
        document_id -> Int8,
        kind -> Text,
        retain_until -> Date,
        sent_at -> Timestamptz,
    }
}

diesel::table! {
    archive_scans (document_id) {
        document_id -> Int8,
        content_type -> Text,
        filename -> Text,
        size -> Int4,
        content -> Bytea,
        uploaded_by -> Int8,
        uploaded_at -> Timestamptz,
    }
}

diesel::table! {
    archives (id) {
        id -> Int8,
        resident_id -> Int8,
        room_id -> Int8,
        kind -> Text,
        project_id -> Int8,
        building_id -> Int8,
        building_code -> Text,
        floor -> Int4,
        unit -> Text,
        number -> Text,
        resident_name -> Text,
        lease_ended_on -> Nullable<Date>,
        contract_ended_on -> Nullable<Date>,
        legal_hold -> Bool,
        present_required -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        at -> Timestamptz,
        actor_id -> Nullable<Int8>,
        action -> Text,
        entity -> Nullable<Text>,
        entity_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        request_id -> Nullable<Text>,
        details -> Jsonb,
    }
}

diesel::table! {
    buildings (id) {
        id -> Int8,
        project_id -> Int8,
        code -> Text,
        name -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    complaint_notes (id) {
        id -> Int8,
        complaint_id -> Int8,
        author_id -> Int8,
        at -> Timestamptz,
        body -> Text,
    }
}

diesel::table! {
    complaints (id) {
        id -> Int8,
        received_at -> Timestamptz,
        channel -> Text,
        kind -> Text,
        customer_name -> Text,
        customer_phone -> Text,
        room -> Text,
        content -> Text,
        recorded_by -> Int8,
        recorded_at -> Timestamptz,
        assignee_id -> Nullable<Int8>,
        assigned_at -> Nullable<Timestamptz>,
        status -> Text,
        resolved_at -> Nullable<Timestamptz>,
        resolution -> Text,
    }
}

diesel::table! {
    form_submissions (token) {
        token -> Text,
        user_id -> Int8,
        created_at -> Timestamptz,
        result_path -> Nullable<Text>,
    }
}

diesel::table! {
    handbook_acknowledgements (version_id, user_id) {
        version_id -> Int8,
        user_id -> Int8,
        acknowledged_at -> Timestamptz,
    }
}

diesel::table! {
    handbook_clause_links (id) {
        id -> Int8,
        document_id -> Int8,
        anchor -> Text,
        kind -> Text,
        label -> Text,
        href -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    handbook_clauses (id) {
        id -> Int8,
        version_id -> Int8,
        section_id -> Int8,
        position -> Int4,
        depth -> Int4,
        number -> Text,
        anchor -> Text,
        citation -> Text,
        body -> Text,
        gap -> Bool,
        cited_as -> Text,
    }
}

diesel::table! {
    handbook_documents (id) {
        id -> Int8,
        source_key -> Text,
        position -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    handbook_publications (id) {
        id -> Int8,
        version_id -> Int8,
        effective_on -> Date,
        change_note -> Text,
        requires_ack -> Bool,
        ack_roles -> Array<Nullable<Text>>,
        requested_by -> Int8,
        status -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    handbook_sections (id) {
        id -> Int8,
        version_id -> Int8,
        position -> Int4,
        number -> Text,
        title -> Text,
    }
}

diesel::table! {
    handbook_versions (id) {
        id -> Int8,
        document_id -> Int8,
        number -> Nullable<Int4>,
        status -> Text,
        title -> Text,
        content_hash -> Text,
        effective_on -> Nullable<Date>,
        change_note -> Text,
        requires_ack -> Bool,
        ack_roles -> Array<Nullable<Text>>,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        published_by -> Nullable<Int8>,
        published_at -> Nullable<Timestamptz>,
        imported_hash -> Nullable<Text>,
    }
}

diesel::table! {
    job_runs (id) {
        id -> Int8,
        job -> Text,
        period -> Text,
        started_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
        ok -> Nullable<Bool>,
        result -> Text,
    }
}

diesel::table! {
    key_categories (code) {
        code -> Text,
        position -> Int4,
        loan_approver -> Text,
        custodian -> Text,
        custodian_role -> Text,
    }
}

diesel::table! {
    key_copy_requests (id) {
        id -> Int8,
        key_id -> Int8,
        copies_requested -> Int4,
        reason -> Text,
        status -> Text,
        requested_by -> Int8,
        created_at -> Timestamptz,
        copies_made -> Nullable<Int4>,
        made_by -> Nullable<Int8>,
        made_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    key_count_lines (count_id, key_id) {
        count_id -> Int8,
        key_id -> Int8,
        present -> Bool,
    }
}

diesel::table! {
    key_counts (id) {
        id -> Int8,
        cabinet -> Text,
        counted_by -> Int8,
        counted_at -> Timestamptz,
        expected -> Int4,
        missing -> Int4,
        note -> Text,
        project_id -> Nullable<Int8>,
    }
}

diesel::table! {
    key_events (id) {
        id -> Int8,
        key_id -> Int8,
        at -> Timestamptz,
        action -> Text,
        actor_id -> Nullable<Int8>,
        loan_id -> Nullable<Int8>,
        note -> Text,
    }
}

diesel::table! {
    key_issue_lines (issue_id, key_id) {
        issue_id -> Int8,
        key_id -> Int8,
    }
}

diesel::table! {
    key_issues (id) {
        id -> Int8,
        room_id -> Int8,
        resident_id -> Int8,
        signed_name -> Text,
        signature_png -> Nullable<Bytea>,
        signed_at -> Timestamptz,
        issued_by -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    key_loan_lines (loan_id, key_id) {
        loan_id -> Int8,
        key_id -> Int8,
        out -> Bool,
        returned_at -> Nullable<Timestamptz>,
        lost -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sealed::SealedText;

    key_loans (id) {
        id -> Int8,
        category -> Text,
        building_id -> Int8,
        borrower_kind -> Text,
        borrower_id -> Nullable<Int8>,
        borrower_name -> Text,
        borrower_company -> Text,
        borrower_id_number -> SealedText,
        work_order -> Text,
        purpose -> Text,
        due_at -> Timestamptz,
        status -> Text,
        requested_by -> Int8,
        created_at -> Timestamptz,
        handed_out_by -> Nullable<Int8>,
        handed_out_at -> Nullable<Timestamptz>,
        returned_to -> Nullable<Int8>,
        returned_at -> Nullable<Timestamptz>,
        lost_account -> Text,
        lost_at -> Nullable<Timestamptz>,
        key_labels -> Array<Nullable<Text>>,
        key_doors -> Array<Nullable<Text>>,
    }
}

diesel::table! {
    key_overdue_notices (loan_id, day) {
        loan_id -> Int8,
        day -> Date,
        sent_at -> Timestamptz,
    }
}

diesel::table! {
    keys (id) {
        id -> Int8,
        category -> Text,
        building_id -> Int8,
        room_id -> Nullable<Int8>,
        floor -> Nullable<Int4>,
        door -> Text,
        label -> Text,
        cabinet -> Text,
        hook -> Nullable<Int4>,
        copies -> Int4,
        custodian -> Text,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    leave_requests (id) {
        id -> Int8,
        user_id -> Int8,
        leave_type -> Text,
        start_date -> Date,
        start_pm -> Bool,
        end_am -> Bool,
        half_days -> Int4,
        reason -> Text,
        status -> Text,
        after_the_fact -> Bool,
        recorded_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        end_date -> Date,
        overlap_allowed -> Bool,
        withdrawn_by -> Nullable<Int8>,
        withdrawn_at -> Nullable<Timestamptz>,
        withdrawn_note -> Text,
        planned_end_date -> Nullable<Date>,
        planned_end_am -> Nullable<Bool>,
        ended_by -> Nullable<Int8>,
        ended_at -> Nullable<Timestamptz>,
        ended_note -> Text,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Int8,
        username -> Text,
        ip -> Text,
        at -> Timestamptz,
    }
}

diesel::table! {
    login_locks (kind, key) {
        kind -> Text,
        key -> Text,
        locked_until -> Timestamptz,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Int8,
        idempotency_key -> Text,
        message -> Text,
        to_addr -> Text,
        to_name -> Text,
        locale -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        locked_until -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    meeting_attendance (meeting_id, user_id) {
        meeting_id -> Int8,
        user_id -> Int8,
        status -> Text,
    }
}

diesel::table! {
    meeting_notice_invitees (notice_id, user_id) {
        notice_id -> Int8,
        user_id -> Int8,
    }
}

diesel::table! {
    meeting_notices (id) {
        id -> Int8,
        kind -> Text,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        place -> Text,
        topic -> Text,
        agenda -> Text,
        called_by -> Int8,
        called_at -> Timestamptz,
        version -> Int4,
        cancelled_at -> Nullable<Timestamptz>,
        cancelled_by -> Nullable<Int8>,
        cancel_reason -> Nullable<Text>,
        meeting_id -> Nullable<Int8>,
    }
}

diesel::table! {
    meetings (id) {
        id -> Int8,
        kind -> Text,
        started_at -> Timestamptz,
        ended_at -> Timestamptz,
        place -> Text,
        topic -> Text,
        chair_id -> Int8,
        minutes -> Text,
        recorded_by -> Int8,
        recorded_at -> Timestamptz,
        version -> Int4,
        corrected_by -> Nullable<Int8>,
        corrected_at -> Nullable<Timestamptz>,
        for_month -> Nullable<Date>,
    }
}

diesel::table! {
    projects (id) {
        id -> Int8,
        name -> Text,
        address -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sealed::SealedText;

    residents (id) {
        id -> Int8,
        room_id -> Int8,
        kind -> Text,
        name -> Text,
        phone -> Text,
        id_type -> Text,
        id_number -> SealedText,
        moved_in -> Nullable<Date>,
        moved_out -> Nullable<Date>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    roles (code) {
        code -> Text,
        sort_order -> Int4,
    }
}

diesel::table! {
    room_imports (id) {
        id -> Int8,
        project_id -> Int8,
        user_id -> Int8,
        filename -> Text,
        content -> Bytea,
        committed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        forgotten_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sales_contract_events (id) {
        id -> Int8,
        contract_id -> Int8,
        step -> Text,
        on_date -> Date,
        note -> Text,
        actor_id -> Int8,
        at -> Timestamptz,
    }
}

diesel::table! {
    sales_contracts (id) {
        id -> Int8,
        contract_no -> Text,
        project -> Text,
        unit -> Text,
        buyer -> Text,
        buyer_phone -> Text,
        signed_on -> Date,
        area_centi -> Int4,
        price_fen -> Int8,
        payment -> Text,
        agent -> Text,
        stage -> Text,
        filed_on -> Nullable<Date>,
        notified_on -> Nullable<Date>,
        deed_tax_due -> Nullable<Date>,
        collected_on -> Nullable<Date>,
        voided_on -> Nullable<Date>,
        recorded_by -> Int8,
        recorded_at -> Timestamptz,
        version -> Int4,
        surveyed_centi -> Nullable<Int4>,
        adjust_fen -> Nullable<Int8>,
        settled_on -> Nullable<Date>,
        cert_no -> Text,
        cert_received_on -> Nullable<Date>,
        cert_issued_on -> Nullable<Date>,
        cert_signed_by -> Text,
        cert_signature_png -> Nullable<Bytea>,
        cert_notified_on -> Nullable<Date>,
    }
}

diesel::table! {
    rooms (id) {
        id -> Int8,
        building_id -> Int8,
        kind -> Text,
        unit -> Text,
        floor -> Int4,
        number -> Text,
        name -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (key_hash) {
        key_hash -> Bytea,
        user_id -> Nullable<Int8>,
        state -> Jsonb,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    user_projects (user_id, project_id) {
        user_id -> Int8,
        project_id -> Int8,
    }
}

diesel::table! {
    user_roles (user_id, role_code) {
        user_id -> Int8,
        role_code -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::sealed::SealedText;

    users (id) {
        id -> Int8,
        username -> Text,
        display_name -> Text,
        email -> Text,
        locale -> Text,
        active -> Bool,
        password_hash -> Text,
        must_change_password -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        totp_secret -> Nullable<SealedText>,
        totp_enabled_at -> Nullable<Timestamptz>,
        totp_last_step -> Nullable<Int8>,
    }
}

diesel::table! {
    violations (id) {
        id -> Int8,
        employee_id -> Int8,
        clause -> Text,
        schedule -> Text,
        occurred_on -> Date,
        details -> Text,
        charge_fen -> Nullable<Int8>,
        source -> Text,
        source_id -> Nullable<Int8>,
        status -> Text,
        proposed_by -> Nullable<Int8>,
        proposed_at -> Timestamptz,
        decided_by -> Nullable<Int8>,
        decided_at -> Nullable<Timestamptz>,
        decision_note -> Text,
        offence_no -> Nullable<Int4>,
        fine_fen -> Nullable<Int8>,
        suspension_days -> Nullable<Int4>,
        dismissal -> Nullable<Bool>,
    }
}

diesel::table! {
    visit_notes (id) {
        id -> Int8,
        visit_id -> Int8,
        author_id -> Int8,
        at -> Timestamptz,
        body -> Text,
        reported -> Bool,
        reopened -> Bool,
    }
}

diesel::table! {
    visits (id) {
        id -> Int8,
        started_at -> Timestamptz,
        ended_at -> Timestamptz,
        visitor_name -> Text,
        visitor_phone -> Text,
        visitor_kind -> Text,
        room -> Text,
        matter -> Text,
        answer -> Text,
        status -> Text,
        received_by -> Int8,
        recorded_at -> Timestamptz,
        late -> Bool,
        closed_at -> Nullable<Timestamptz>,
        version -> Int4,
    }
}

diesel::joinable!(approval_events -> approval_requests (request_id));
diesel::joinable!(approval_links -> approval_tasks (task_id));
diesel::joinable!(approval_links -> users (user_id));
diesel::joinable!(approval_requests -> projects (project_id));
diesel::joinable!(approval_requests -> users (requester_id));
diesel::joinable!(approval_tasks -> approval_requests (request_id));
diesel::joinable!(archive_borrow_items -> archive_borrows (borrow_id));
diesel::joinable!(archive_borrow_items -> archive_documents (document_id));
diesel::joinable!(archive_borrows -> archives (archive_id));
diesel::joinable!(archive_destruction_items -> archive_destructions (destruction_id));
diesel::joinable!(archive_destruction_items -> archive_documents (document_id));
diesel::joinable!(archive_destruction_witnesses -> archive_destructions (destruction_id));
diesel::joinable!(archive_destruction_witnesses -> users (user_id));
diesel::joinable!(archive_documents -> archive_doc_types (type_id));
diesel::joinable!(archive_documents -> archives (archive_id));
diesel::joinable!(archive_history -> archive_documents (document_id));
diesel::joinable!(archive_history -> archives (archive_id));
diesel::joinable!(archive_history -> users (actor_id));
diesel::joinable!(archive_retention_notices -> archive_documents (document_id));
diesel::joinable!(archive_scans -> archive_documents (document_id));
diesel::joinable!(archive_scans -> users (uploaded_by));
diesel::joinable!(archives -> buildings (building_id));
diesel::joinable!(archives -> projects (project_id));
diesel::joinable!(archives -> residents (resident_id));
diesel::joinable!(archives -> rooms (room_id));
diesel::joinable!(audit_log -> users (actor_id));
diesel::joinable!(buildings -> projects (project_id));
diesel::joinable!(complaint_notes -> complaints (complaint_id));
diesel::joinable!(complaint_notes -> users (author_id));
diesel::joinable!(form_submissions -> users (user_id));
diesel::joinable!(handbook_acknowledgements -> handbook_versions (version_id));
diesel::joinable!(handbook_acknowledgements -> users (user_id));
diesel::joinable!(handbook_clause_links -> handbook_documents (document_id));
diesel::joinable!(handbook_clauses -> handbook_sections (section_id));
diesel::joinable!(handbook_clauses -> handbook_versions (version_id));
diesel::joinable!(handbook_publications -> handbook_versions (version_id));
diesel::joinable!(handbook_publications -> users (requested_by));
diesel::joinable!(handbook_sections -> handbook_versions (version_id));
diesel::joinable!(handbook_versions -> handbook_documents (document_id));
diesel::joinable!(key_copy_requests -> keys (key_id));
diesel::joinable!(key_count_lines -> key_counts (count_id));
diesel::joinable!(key_count_lines -> keys (key_id));
diesel::joinable!(key_counts -> projects (project_id));
diesel::joinable!(key_counts -> users (counted_by));
diesel::joinable!(key_events -> key_loans (loan_id));
diesel::joinable!(key_events -> keys (key_id));
diesel::joinable!(key_events -> users (actor_id));
diesel::joinable!(key_issue_lines -> key_issues (issue_id));
diesel::joinable!(key_issue_lines -> keys (key_id));
diesel::joinable!(key_issues -> residents (resident_id));
diesel::joinable!(key_issues -> rooms (room_id));
diesel::joinable!(key_issues -> users (issued_by));
diesel::joinable!(key_loan_lines -> key_loans (loan_id));
diesel::joinable!(key_loan_lines -> keys (key_id));
diesel::joinable!(key_loans -> buildings (building_id));
diesel::joinable!(key_loans -> key_categories (category));
diesel::joinable!(key_overdue_notices -> key_loans (loan_id));
diesel::joinable!(keys -> buildings (building_id));
diesel::joinable!(keys -> key_categories (category));
diesel::joinable!(keys -> rooms (room_id));
diesel::joinable!(meeting_attendance -> meetings (meeting_id));
diesel::joinable!(meeting_attendance -> users (user_id));
diesel::joinable!(meeting_notice_invitees -> meeting_notices (notice_id));
diesel::joinable!(meeting_notice_invitees -> users (user_id));
diesel::joinable!(meeting_notices -> meetings (meeting_id));
diesel::joinable!(residents -> rooms (room_id));
diesel::joinable!(room_imports -> projects (project_id));
diesel::joinable!(room_imports -> users (user_id));
diesel::joinable!(rooms -> buildings (building_id));
diesel::joinable!(sales_contract_events -> sales_contracts (contract_id));
diesel::joinable!(sales_contract_events -> users (actor_id));
diesel::joinable!(sales_contracts -> users (recorded_by));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(user_projects -> projects (project_id));
diesel::joinable!(user_projects -> users (user_id));
diesel::joinable!(user_roles -> roles (role_code));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(visit_notes -> users (author_id));
diesel::joinable!(visit_notes -> visits (visit_id));
diesel::joinable!(visits -> users (received_by));

diesel::allow_tables_to_appear_in_same_query!(
    approval_deputies,
    approval_events,
    approval_links,
    approval_requests,
    approval_tasks,
    archive_borrow_items,
    archive_borrows,
    archive_destruction_items,
    archive_destruction_witnesses,
    archive_destructions,
    archive_doc_types,
    archive_documents,
    archive_history,
    archive_retention_notices,
    archive_scans,
    archives,
    audit_log,
    buildings,
    complaint_notes,
    complaints,
    form_submissions,
    handbook_acknowledgements,
    handbook_clause_links,
    handbook_clauses,
    handbook_documents,
    handbook_publications,
    handbook_sections,
    handbook_versions,
    job_runs,
    key_categories,
    key_copy_requests,
    key_count_lines,
    key_counts,
    key_events,
    key_issue_lines,
    key_issues,
    key_loan_lines,
    key_loans,
    key_overdue_notices,
    keys,
    leave_requests,
    login_failures,
    login_locks,
    mail_outbox,
    meeting_attendance,
    meeting_notice_invitees,
    meeting_notices,
    meetings,
    projects,
    residents,
    roles,
    room_imports,
    sales_contract_events,
    sales_contracts,
    rooms,
    sessions,
    user_projects,
    user_roles,
    users,
    violations,
    visit_notes,
    visits,
);
