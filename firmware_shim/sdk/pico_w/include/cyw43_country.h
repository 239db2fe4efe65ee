/* cyw43_country.h — country codes for cyw43_arch_init_with_country
 * (georgerobotics/cyw43-driver src/cyw43_country.h: two letters and a
 * revision packed into 32 bits). The rig's chip scans and joins on channels
 * 1-13 whatever the country; the code is kept and returned by
 * cyw43_arch_get_country_code. A selection of the driver's list: */
#ifndef LINKRIG_CYW43_COUNTRY_H
#define LINKRIG_CYW43_COUNTRY_H

#define CYW43_COUNTRY(A, B, REV) ((unsigned char)(A) | ((unsigned char)(B) << 8) | ((REV) << 16))

#define CYW43_COUNTRY_WORLDWIDE CYW43_COUNTRY('X', 'X', 0)
#define CYW43_COUNTRY_AUSTRALIA CYW43_COUNTRY('A', 'U', 0)
#define CYW43_COUNTRY_AUSTRIA CYW43_COUNTRY('A', 'T', 0)
#define CYW43_COUNTRY_BELGIUM CYW43_COUNTRY('B', 'E', 0)
#define CYW43_COUNTRY_BRAZIL CYW43_COUNTRY('B', 'R', 0)
#define CYW43_COUNTRY_CANADA CYW43_COUNTRY('C', 'A', 0)
#define CYW43_COUNTRY_CHINA CYW43_COUNTRY('C', 'N', 0)
#define CYW43_COUNTRY_DENMARK CYW43_COUNTRY('D', 'K', 0)
#define CYW43_COUNTRY_FINLAND CYW43_COUNTRY('F', 'I', 0)
#define CYW43_COUNTRY_FRANCE CYW43_COUNTRY('F', 'R', 0)
#define CYW43_COUNTRY_GERMANY CYW43_COUNTRY('D', 'E', 0)
#define CYW43_COUNTRY_INDIA CYW43_COUNTRY('I', 'N', 0)
#define CYW43_COUNTRY_IRELAND CYW43_COUNTRY('I', 'E', 0)
#define CYW43_COUNTRY_ITALY CYW43_COUNTRY('I', 'T', 0)
#define CYW43_COUNTRY_JAPAN CYW43_COUNTRY('J', 'P', 0)
#define CYW43_COUNTRY_NETHERLANDS CYW43_COUNTRY('N', 'L', 0)
#define CYW43_COUNTRY_NEW_ZEALAND CYW43_COUNTRY('N', 'Z', 0)
#define CYW43_COUNTRY_NORWAY CYW43_COUNTRY('N', 'O', 0)
#define CYW43_COUNTRY_POLAND CYW43_COUNTRY('P', 'L', 0)
#define CYW43_COUNTRY_SPAIN CYW43_COUNTRY('E', 'S', 0)
#define CYW43_COUNTRY_SWEDEN CYW43_COUNTRY('S', 'E', 0)
#define CYW43_COUNTRY_SWITZERLAND CYW43_COUNTRY('C', 'H', 0)
#define CYW43_COUNTRY_UK CYW43_COUNTRY('G', 'B', 0)
#define CYW43_COUNTRY_USA CYW43_COUNTRY('U', 'S', 0)

#endif
