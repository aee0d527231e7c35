"""Column types that differ between the two databases."""

from sqlalchemy import BigInteger, Integer

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for
# tables that grow with call traffic.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")
