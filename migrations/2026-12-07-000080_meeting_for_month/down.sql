ALTER TABLE meetings DROP CONSTRAINT meetings_for_month_of_monthly;
ALTER TABLE meetings DROP COLUMN for_month;
