create table probe (id bigint primary key, name text);
insert into probe select n, 'name-' || n from generate_series(1, 1000) as n;
