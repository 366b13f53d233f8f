-- mysqldump / SHOW CREATE TABLE variants: display widths, USING BTREE/HASH, versioned PARTITION BY,
-- FLOAT UNSIGNED, ZEROFILL, ALTER TABLE ADD COLUMN/INDEX/CONSTRAINT. For roachlift's converter tests.
CREATE TABLE `t1` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `a` int(11) NOT NULL DEFAULT '0',
  `b` varchar(10) COLLATE utf8mb4_bin NOT NULL,
  `c` float(7,4) unsigned DEFAULT NULL,
  `d` double(10,2) unsigned DEFAULT NULL,
  `e` decimal(65,30) DEFAULT NULL,
  `f` enum('it''s','b') DEFAULT NULL,
  `g` datetime DEFAULT CURRENT_TIMESTAMP,
  `h` mediumint(8) unsigned zerofill NOT NULL,
  PRIMARY KEY (`id`) USING BTREE,
  KEY `idx_a` (`a`) USING BTREE,
  UNIQUE KEY `uq_b` (`b`) USING HASH,
  CONSTRAINT `chk_a` CHECK (`a` >= 0)
) ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin ROW_FORMAT=COMPACT
/*!50100 PARTITION BY RANGE (`id`)
(PARTITION p0 VALUES LESS THAN (1000) ENGINE = InnoDB,
 PARTITION p1 VALUES LESS THAN MAXVALUE ENGINE = InnoDB) */;
ALTER TABLE `t1` ADD COLUMN `z` int DEFAULT 5;
ALTER TABLE `t1` ADD INDEX `idx_z` (`z`);
ALTER TABLE `t1` ADD CONSTRAINT `fk_self` FOREIGN KEY (`z`) REFERENCES `t1` (`id`);
CREATE INDEX idx_bc ON t1 (b, c);
