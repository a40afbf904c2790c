insert into public.directors values (1, 'Agnès Varda'), (2, 'Akira Kurosawa'), (3, 'Nobody');
insert into public.films values
  (1, 'Cléo from 5 to 7', 1962, 1, '{"lang":"fr","tags":["paris"]}'),
  (2, 'Le Bonheur', 1965, 1, '{"lang":"fr"}'),
  (3, 'Rashomon', 1950, 2, '{"lang":"ja"}'),
  (4, 'Ikiru', 1952, 2, '{"lang":"ja","tags":["drama"]}'),
  (5, 'Untitled', null, null, '{}');
insert into public.actors values (1, 'Corinne Marchand'), (2, 'Toshiro Mifune'), (3, 'Takashi Shimura');
insert into public.roles values (1, 1, 'Cléo'), (3, 2, 'Tajōmaru'), (3, 3, 'Woodcutter'), (4, 3, 'Kanji Watanabe');
insert into public.notes (user_id, body) values
  ('11111111-1111-4111-8111-111111111111', 'alice note'),
  ('22222222-2222-4222-8222-222222222222', 'bob note 1'),
  ('22222222-2222-4222-8222-222222222222', 'bob note 2');
