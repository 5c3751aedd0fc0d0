-- The month a monthly analysis meeting (月分析例会) stands for. It is usually
-- held on that month's last Saturday, but one postponed into the next month
-- still counts for its own: the month's record, its reminder and the check
-- that a month's meeting is recorded once go by this, not by the day held.
-- Other kinds of meeting have none. Records already filed stand for the month
-- they were held in (in the site's default time zone, Asia/Shanghai).
ALTER TABLE meetings ADD COLUMN for_month date;
UPDATE meetings
   SET for_month = date_trunc('month', started_at AT TIME ZONE 'Asia/Shanghai')::date
 WHERE kind = 'monthly';
ALTER TABLE meetings ADD CONSTRAINT meetings_for_month_of_monthly CHECK (
    (kind = 'monthly') = (for_month IS NOT NULL)
    AND (for_month IS NULL OR extract(day FROM for_month) = 1)
);
