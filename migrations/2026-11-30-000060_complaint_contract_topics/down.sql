DROP TRIGGER sales_contracts_topic_notice ON sales_contracts;
DROP TRIGGER complaints_topic_notice ON complaints;
