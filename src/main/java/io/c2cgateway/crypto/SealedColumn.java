package io.c2cgateway.crypto;

/**
 * A column holding {@link SecretBox} ciphertexts, declared by the feature that owns it so key
 * rotation can re-seal it without knowing that feature.
 *
 * @param table the table
 * @param column the column with the ciphertext
 * @param idColumn the row's id column, the third part of the associated data
 * @param name the column name used in the associated data (the logical name the owner seals with)
 * @param legacyPlaintext whether rows from before the column was sealed may still hold plaintext,
 * which rotation then seals; in any other column a value that is not a ciphertext is an error
 */
public record SealedColumn(String table, String column, String idColumn, String name, boolean legacyPlaintext) {

	public SealedColumn(String table, String column, String idColumn, String name) {
		this(table, column, idColumn, name, false);
	}

	public SealedColumn {
		for (String identifier : new String[] { table, column, idColumn }) {
			if (!identifier.matches("[a-z_][a-z0-9_]*")) {
				throw new IllegalArgumentException("not a plain SQL identifier: " + identifier);
			}
		}
	}

}
