UPDATE handbook_versions SET change_note = '导入'
WHERE change_note = '{handbook.import.change_note}';
