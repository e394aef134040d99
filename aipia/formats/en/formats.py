# English dates as the site has always shown them (Django's English formats, written down so that they do not
# change with a Django release): "Dec. 3, 2026".
DATE_FORMAT = "N j, Y"  # Dec. 3, 2026
TIME_FORMAT = "P"  # 2:30 p.m.
DATETIME_FORMAT = "N j, Y, P"  # Dec. 3, 2026, 2:30 p.m.
YEAR_MONTH_FORMAT = "F Y"  # December 2026
MONTH_DAY_FORMAT = "F j"  # December 3
SHORT_DATE_FORMAT = "Y-m-d"  # 2026-12-03
SHORT_DATETIME_FORMAT = "Y-m-d H:i"  # 2026-12-03 14:30
FIRST_DAY_OF_WEEK = 1  # Monday
