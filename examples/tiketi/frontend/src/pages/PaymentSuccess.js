import { useEffect, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import api, { errorMessage } from '../services/api';

export default function PaymentSuccess() {
  const [params] = useSearchParams();
  const [result, setResult] = useState(null);
  const [error, setError] = useState('');
  const sent = useRef(false);

  useEffect(() => {
    if (sent.current) return;
    sent.current = true;
    const body = {
      paymentKey: params.get('paymentKey'),
      orderId: params.get('orderId'),
      amount: Number(params.get('amount')),
    };
    api.post('/payments/confirm', body)
      .then(({ data }) => setResult(data))
      .catch((err) => setError(errorMessage(err, '결제 승인에 실패했습니다')));
  }, [params]);

  if (error) {
    return (
      <section className="card">
        <h1>결제 승인 실패</h1>
        <p className="error">{error}</p>
        <Link to="/my-reservations">예매 내역</Link>
      </section>
    );
  }
  if (!result) return <p>결제를 승인하는 중...</p>;

  return (
    <section className="card">
      <h1>결제 완료</h1>
      <p>주문 번호 {result.orderId}</p>
      <Link to="/my-reservations">예매 내역 보기</Link>
    </section>
  );
}

export function PaymentFail() {
  const [params] = useSearchParams();
  return (
    <section className="card">
      <h1>결제 실패</h1>
      <p className="error">{params.get('message') || '결제가 취소되었습니다.'}</p>
      <Link to="/my-reservations">예매 내역</Link>
    </section>
  );
}
