-- MySQL constructs that trip converters, for roachlift's converter tests.
/*!40101 SET NAMES utf8mb4 */;
CREATE TABLE `Parent` (
  `ID` INT UNSIGNED NOT NULL AUTO_INCREMENT,
  `order` VARCHAR(20) NOT NULL,
  `user` VARCHAR(20) DEFAULT NULL,
  flag TINYINT(1) NOT NULL DEFAULT 1,
  bits BIT(1) DEFAULT b'0',
  big BIGINT UNSIGNED,
  price DECIMAL(10,2) UNSIGNED NOT NULL DEFAULT '0.00',
  doc JSON,
  yr YEAR,
  created DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  zero DATETIME NOT NULL DEFAULT '0000-00-00 00:00:00',
  kind ENUM('a','b') NOT NULL DEFAULT 'a',
  tags SET('x','y') DEFAULT NULL,
  doubled INT AS (price * 2) STORED,
  pic MEDIUMBLOB,
  -- 64 bytes would be a convert error (roachlift.naming): the longest name that maps exactly
  a_column_name_of_exactly_sixty_three_bytes_that_postgres_keeps1 INT,
  PRIMARY KEY (`ID`),
  UNIQUE KEY uk_order (`order`),
  KEY idx_kind (kind),
  KEY idx_prefix (`user`(10))
) ENGINE=InnoDB AUTO_INCREMENT=1000 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='parents';

CREATE TABLE child (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  parent_id INT UNSIGNED NOT NULL,
  other_id INT UNSIGNED,
  note TEXT CHARACTER SET latin1 COLLATE latin1_bin COMMENT 'free text',
  KEY idx_kind (parent_id),
  CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES `Parent` (`ID`) ON DELETE CASCADE,
  CONSTRAINT fk_child_other FOREIGN KEY (other_id) REFERENCES `Parent` (`ID`) ON DELETE SET NULL
) ENGINE=InnoDB;

CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW parent_summary AS
SELECT p.`ID` AS id, CONCAT(p.`order`, _utf8mb4' / ', IFNULL(p.`user`, '-')) AS label,
       IF(p.flag, 'on', 'off') AS state, COUNT(c.id) AS children,
       GROUP_CONCAT(c.note ORDER BY c.id SEPARATOR ', ') AS notes
FROM `Parent` p LEFT JOIN child c ON c.parent_id = p.`ID`
GROUP BY p.`ID`;
