/* milvus--0.1.0.sql: the base install script */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION milvus" to load this file. \quit
