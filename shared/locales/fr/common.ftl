# Shared by pages and emails. Variables are written as { $name }; keep them as they are.

# A day written in full: "3 décembre 2026".
date = { $day } { $month } { $year }
month-1 = janvier
month-2 = février
month-3 = mars
month-4 = avril
month-5 = mai
month-6 = juin
month-7 = juillet
month-8 = août
month-9 = septembre
month-10 = octobre
month-11 = novembre
month-12 = décembre

# A saved means of payment, as its owner recognises it.
method-ending = { $brand } se terminant par { $last4 }
