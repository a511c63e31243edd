-- errors worded as pgvector 0.8.6 words them: primary message and
-- SQLSTATE, and the DETAIL of the syntax errors (a DETAIL of ours may
-- follow where pgvector has none).  Each case prints SQLSTATE, message and
-- detail.
CREATE FUNCTION messages_try(query text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	st text;
	msg text;
	det text;
BEGIN
	EXECUTE query;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
		det = PG_EXCEPTION_DETAIL;
	RETURN st || ': ' || msg || coalesce(' | ' || nullif(det, ''), '');
END
$$;

CREATE TABLE messages_cases (id serial, label text, query text);
INSERT INTO messages_cases (label, query) VALUES
-- infinite values from casts (22000, not an overflow)
('float8[] 1e39 to vector', $$SELECT '{1,1e39}'::float8[]::vector$$),
('float8[] -1e39 to halfvec', $$SELECT '{-1e39}'::float8[]::halfvec$$),
('float8[] 1e39 to sparsevec', $$SELECT '{1e39}'::float8[]::sparsevec$$),
-- finite values a half cannot hold
('vector 65520 to halfvec', $$SELECT '[1,65520]'::vector::halfvec$$),
('real[] 65520 to halfvec', $$SELECT '{65520}'::real[]::halfvec$$),
('integer[] 70000 to halfvec', $$SELECT '{70000}'::integer[]::halfvec$$),
('sparsevec -65520 to halfvec', $$SELECT '{1:-65520}/1'::sparsevec::halfvec$$),
('halfvec_avg 65520', $$SELECT halfvec_avg('{2,131040}')$$),
('halfvec text 65520', $$SELECT '[65520]'::halfvec$$),
-- sparsevec indices and tiny values
('sparsevec index past dim', $$SELECT '{4:1}/3'::sparsevec$$),
('sparsevec index 0', $$SELECT '{0:1}/3'::sparsevec$$),
('sparsevec value underflow', $$SELECT '{1:1e-46,2:1}/2'::sparsevec$$),
-- aggregates: mixed dimensions
('avg vector mixed', $$SELECT avg(v) FROM (VALUES ('[1,2]'::vector), ('[1]')) t (v)$$),
('avg halfvec mixed', $$SELECT avg(v) FROM (VALUES ('[1,2]'::halfvec), ('[1]')) t (v)$$),
('vector_accum mixed', $$SELECT vector_accum('{1,1,1}', '[1]')$$),
('halfvec_accum mixed', $$SELECT halfvec_accum('{1,1,1}', '[1]')$$),
('vector_combine mixed', $$SELECT vector_combine('{1,1,1}', '{1,1}')$$),
('halfvec_combine mixed', $$SELECT halfvec_combine('{1,1,1}', '{1,1}')$$),
-- aggregates: states that are not states
('vector_avg 2-D', $$SELECT vector_avg('{{1,2}}')$$),
('vector_avg empty', $$SELECT vector_avg('{}')$$),
('vector_avg null', $$SELECT vector_avg('{1,NULL}')$$),
('vector_accum null', $$SELECT vector_accum('{NULL}', '[1]')$$),
('vector_combine 2-D', $$SELECT vector_combine('{0}', '{{1,2}}')$$),
('halfvec_accum 2-D', $$SELECT halfvec_accum('{{1,2}}', '[1]')$$),
('halfvec_avg null', $$SELECT halfvec_avg('{1,NULL}')$$),
('halfvec_combine empty', $$SELECT halfvec_combine('{}', '{0}')$$),
-- aggregates: a 16,002-element state (16,001 sums) is not a vector's
('vector_combine 16001 sums right', $$SELECT vector_combine('{0}', array_fill(1::float8, ARRAY[16002]))$$),
('vector_combine 16001 sums left', $$SELECT vector_combine(array_fill(1::float8, ARRAY[16002]), '{0}')$$),
('vector_combine 16001 sums both', $$SELECT vector_combine(array_fill(1::float8, ARRAY[16002]), array_fill(1::float8, ARRAY[16002]))$$),
('vector_avg 16001 sums', $$SELECT vector_avg(array_fill(1::float8, ARRAY[16002]))$$),
('halfvec_avg 16001 sums', $$SELECT halfvec_avg(array_fill(1::float8, ARRAY[16002]))$$),
('vector_accum 16001 sums', $$SELECT vector_accum(array_fill(1::float8, ARRAY[16002]), '[1]')$$),
-- input syntax
('vector no bracket', $$SELECT '1,2]'::vector$$),
('vector junk after', $$SELECT '[1,2] x'::vector$$),
('vector unclosed', $$SELECT '[1,2'::vector$$),
('halfvec no bracket', $$SELECT ' 1'::halfvec$$),
('halfvec junk after', $$SELECT '[1]]'::halfvec$$),
('sparsevec no brace', $$SELECT '[1:1]/3'::sparsevec$$),
('sparsevec no dimensions', $$SELECT '{1:1}'::sparsevec$$),
('sparsevec junk after', $$SELECT '{1:1}/3 x'::sparsevec$$),
('sparsevec no count', $$SELECT '{1:1}/x'::sparsevec$$),
('sparsevec unclosed', $$SELECT '{1:1'::sparsevec$$);

SELECT label, messages_try(query) AS result FROM messages_cases ORDER BY id;

-- the combine function returns states of at most 16,000 sums
SELECT array_length(vector_combine('{0}', array_fill(1::float8, ARRAY[16001])), 1) AS max_state;

DROP TABLE messages_cases;
DROP FUNCTION messages_try(text);
